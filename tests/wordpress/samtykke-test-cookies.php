<?php
/*
 * Plugin Name: samtykke test cookies
 * Description: For scripts/test-wordpress only: sets a necessary session cookie (SESS…), a statistics one (nmstat),
 *   a functional one (JSESSIONID) and one nobody declared on every page, the way a
 *   theme or an analytics plugin would, so the test sees what the samtykke plugin
 *   lets through.
 */
add_action('send_headers', function () {
    if (is_admin()) {
        return;
    }
    setcookie('nmstat', bin2hex(random_bytes(8)), ['expires' => time() + 86400000, 'path' => '/']);
    header('Set-Cookie: SESS' . bin2hex(random_bytes(16)) . '=' . bin2hex(random_bytes(8)) . '; Max-Age=39600; Path=/; HttpOnly', false);
    header('Set-Cookie: JSESSIONID=' . bin2hex(random_bytes(8)) . '; Path=/; HttpOnly', false);
    header('Set-Cookie: undeclared_tracker=1; Max-Age=3600; Path=/', false);
});
