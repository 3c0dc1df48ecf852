<?php
/*
 * Router for PHP's built-in server: serves the Debian WordPress through the test's
 * own directory (scripts/test-wordpress), whose wp-config.php is the test's, so
 * nothing under /etc/wordpress is touched. SAMTYKKE_WP_SITE is that directory: it
 * holds wp-config.php and symbolic links to /usr/share/wordpress's files.
 */
$site = rtrim(getenv('SAMTYKKE_WP_SITE') ?: '', '/') . '/';
define('ABSPATH', $site);
$path = rawurldecode(parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH) ?? '/');
if (str_contains($path, '..')) {
    http_response_code(400);
    return true;
}
// No site icon: answered here, so the browser's background request for it is not a
// WordPress page racing the page's own cookies (it would carry the jar of before).
if ($path === '/favicon.ico') {
    http_response_code(404);
    return true;
}
$file = $site . ltrim($path, '/');
if (is_dir($file)) {
    $file = rtrim($file, '/') . '/index.php';
}
if (is_file($file) && !str_ends_with($file, '.php')) {
    return false; // static files: the built-in server sends them
}
if (!is_file($file)) {
    $file = $site . 'index.php'; // pretty permalinks and the REST API
}
$_SERVER['SCRIPT_FILENAME'] = $file;
$_SERVER['SCRIPT_NAME'] = '/' . substr($file, strlen($site));
$_SERVER['PHP_SELF'] = $_SERVER['SCRIPT_NAME'];
chdir(dirname($file));
require $file;
