<?php
/*
 * Installs WordPress without a browser (wp_install()), then activates the given
 * plugins. usage: php install.php SITE_DIR URL PLUGIN…
 */
[$_, $site, $url] = $argv;
$plugins = array_slice($argv, 3);
define('ABSPATH', rtrim($site, '/') . '/');
define('WP_INSTALLING', true);
$_SERVER['HTTP_HOST'] = parse_url($url, PHP_URL_HOST) . ':' . parse_url($url, PHP_URL_PORT);
$_SERVER['REQUEST_URI'] = '/';
// No mail on this machine: wp_install()'s notice to the admin is pluggable.
function wp_new_blog_notification() {}
require ABSPATH . 'wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';
if (!is_blog_installed()) {
    $r = wp_install('samtykke test', 'admin', 'admin@example.invalid', true, '', 'admin-password');
    echo "installed WordPress, user {$r['user_id']}\n";
}
update_option('siteurl', $url);
update_option('home', $url);
update_option('permalink_structure', '/%postname%/');
foreach ($plugins as $p) {
    $r = activate_plugin($p);
    if (is_wp_error($r)) {
        fwrite(STDERR, "cannot activate $p: " . $r->get_error_message() . "\n");
        exit(1);
    }
    echo "activated $p\n";
}
// A page with the declaration shortcode, for the browser test.
if (!get_page_by_path('cookies')) {
    wp_insert_post(['post_type' => 'page', 'post_status' => 'publish', 'post_name' => 'cookies',
        'post_title' => 'Cookies', 'post_content' => '[samtykke_declaration]']);
}
