<?php
/*
 * The site owner's side: a notice on every admin page while the library or the
 * policy cannot be used (the site then sets only WordPress's own cookies, or the
 * policy's necessary ones when only the site key is missing), and
 * Settings → samtykke: the library, the policy's lint warnings, where the consent
 * log and the proof records are, and how to audit them.
 */
declare(strict_types=1);

namespace Samtykke\WordPress;

use Samtykke\Lib;

defined('ABSPATH') || exit;

final class Admin
{
    private const FIELDS = [
        'lib' => 'Library (libsamtykke.so)',
        'header' => 'Header for PHP (samtykke_php.h)',
        'policy' => 'Policy (JSON)',
        'key_file' => 'Site key file',
        'log_dir' => 'Log directory',
        'ffi_scope' => 'FFI scope (preloaded)',
    ];

    /**
     * Whether two URLs have one origin: scheme and host in any case, and port
     * (a port left out is the scheme's default).
     */
    public static function oneOrigin(string $a, string $b): bool
    {
        $origin = static function (string $url): string {
            $scheme = strtolower((string) parse_url($url, PHP_URL_SCHEME));
            $port = parse_url($url, PHP_URL_PORT) ?? ['http' => 80, 'https' => 443][$scheme] ?? 0;
            return $scheme . '://' . strtolower((string) parse_url($url, PHP_URL_HOST)) . ':' . $port;
        };
        return $origin($a) === $origin($b);
    }

    public static function boot(Plugin $p): void
    {
        add_action('admin_notices', static function () use ($p): void {
            if ($p->error !== null && current_user_can('manage_options')) {
                echo '<div class="notice notice-error samtykke-notice"><p><strong>samtykke:</strong> '
                    . esc_html($p->error) . '. '
                    . ($p->failsClosedByPolicy()
                        ? esc_html__('Until this is fixed, the site sets only the policy\'s necessary cookies and asks no one for consent (consent is failing closed).', 'samtykke')
                        : esc_html__('Until this is fixed, the site sets only WordPress\'s own cookies (consent is failing closed).', 'samtykke'))
                    . ' <a href="' . esc_url(admin_url('options-general.php?page=samtykke')) . '">'
                    . esc_html__('Settings', 'samtykke') . '</a></p></div>';
            }
        });
        add_action('admin_menu', static function () use ($p): void {
            add_options_page('samtykke', 'samtykke', 'manage_options', 'samtykke', static fn () => self::page($p));
        });
        add_action('admin_init', static function (): void {
            register_setting('samtykke', 'samtykke_settings', [
                'type' => 'array',
                'sanitize_callback' => static fn ($v) => array_map('sanitize_text_field',
                    array_intersect_key(is_array($v) ? $v : [], self::FIELDS)),
            ]);
        });
    }

    private static function preloadHint(): string
    {
        $lib = Plugin::setting('lib') ?: '/usr/local/lib/libsamtykke.so';
        $header = Plugin::setting('header') ?: dirname($lib, 2) . '/include/samtykke_php.h';
        return sprintf("php -r 'require \"%s\"; echo Samtykke\\Lib::preloadHeader(\"%s\", \"%s\");' > %s",
            dirname(__DIR__) . '/lib/samtykke.php', $lib, $header, dirname($header) . '/samtykke_preload.h');
    }

    private static function page(Plugin $p): void
    {
        $dir = Plugin::logDir();
        $policy = Plugin::setting('policy');
        // Inside WordPress's directory, or the web server's document root (which
        // holds WordPress's when WordPress lives in a subdirectory of it).
        $real = realpath($dir) ?: $dir;
        $roots = array_filter([ABSPATH, (string) ($_SERVER['DOCUMENT_ROOT'] ?? '')]);
        $insideRoot = false;
        foreach ($roots as $root) {
            $insideRoot = $insideRoot || str_starts_with($real . '/', rtrim(realpath($root) ?: $root, '/') . '/');
        }
        // Writable by PHP: the directory, or (not made yet) the nearest existing parent.
        $existing = $dir;
        while (!is_dir($existing) && dirname($existing) !== $existing) {
            $existing = dirname($existing);
        }
        $writable = is_dir($existing) && is_writable($existing);
        echo '<div class="wrap samtykke-admin"><h1>samtykke</h1>';
        if ($p->policy === null) {
            echo '<p class="samtykke-status"><strong>' . esc_html__('Not active', 'samtykke') . ':</strong> '
                . esc_html((string) $p->error) . '</p>';
        } else {
            echo '<p class="samtykke-status"><strong>' . esc_html__('Active', 'samtykke') . '</strong>: libsamtykke '
                . esc_html(Lib::version()) . ', ' . esc_html__('policy', 'samtykke') . ' <code>' . esc_html($policy)
                . '</code> (' . esc_html($p->policy->site()['site']) . ', revision '
                . esc_html((string) $p->policy->site()['revision']) . ').</p>';
            // Decisions post to admin-post.php at the WordPress Address; the
            // library refuses an Origin of another host (samtykke_same_origin).
            if (!self::oneOrigin(home_url(), site_url())) {
                echo '<div class="notice notice-error inline samtykke-hosts"><p>' . esc_html(sprintf(
                    /* translators: 1: the Site Address, 2: the WordPress Address */
                    __('The Site Address (%1$s) and the WordPress Address (%2$s) are not on the same scheme and host: the banner\'s choices post to the WordPress Address and are refused as cross-origin. Put both on one host (Settings → General).', 'samtykke'),
                    home_url(),
                    site_url()
                )) . '</p></div>';
            }
            $warnings = $p->policy->lint();
            echo '<h2>' . esc_html__('Policy lint', 'samtykke') . '</h2>';
            if ($warnings === []) {
                echo '<p>' . esc_html__('No warnings.', 'samtykke') . '</p>';
            } else {
                echo '<table class="widefat striped samtykke-lint"><thead><tr><th>id</th><th>path</th><th>'
                    . esc_html__('warning', 'samtykke') . '</th></tr></thead><tbody>';
                foreach ($warnings as $w) {
                    echo '<tr><td><code>' . esc_html($w['id']) . '</code></td><td><code>' . esc_html($w['path'])
                        . '</code></td><td>' . esc_html($w['message']) . '</td></tr>';
                }
                echo '</tbody></table>';
            }
        }
        echo '<h2>' . esc_html__('Consent log and proof records', 'samtykke') . '</h2>'
            . '<p>' . esc_html__('The site\'s consent log (every banner shown, decision, GPC signal and cookie set) and the proof records are JSON lines in', 'samtykke')
            . ' <code class="samtykke-log-dir">' . esc_html($dir) . '</code>: <code>consent.jsonl</code>, <code>proofs.jsonl</code>'
            . ' (' . esc_html__('proof records past the policy\'s retention are purged daily', 'samtykke') . ').</p>';
        if ($insideRoot) {
            echo '<div class="notice notice-warning inline"><p>' . esc_html__('The log directory is inside WordPress\'s directory or the web server\'s document root and may be served to anyone: set SAMTYKKE_LOG_DIR to a directory outside the web root.', 'samtykke') . '</p></div>';
        }
        if (!$writable) {
            echo '<div class="notice notice-error inline"><p>' . esc_html(sprintf(
                /* translators: %s: a directory */
                __('PHP cannot write the log directory (%s): no consent log or proof record is being kept. Create it, owned by the user PHP runs as, or set SAMTYKKE_LOG_DIR.', 'samtykke'),
                $dir
            )) . '</p></div>';
        }
        echo '<p>' . esc_html__('Audit what the site really did with the samtykke command line (exit 0 clean, 1 violations, 2 input errors):', 'samtykke') . '</p>'
            . '<pre class="samtykke-audit" style="white-space:pre-wrap">samtykke audit ' . esc_html($dir) . '/consent.jsonl --policy ' . esc_html($policy ?: 'POLICY.json') . '</pre>';

        echo '<h2>' . esc_html__('Settings', 'samtykke') . '</h2><p>'
            . esc_html__('A constant in wp-config.php (SAMTYKKE_LIB, SAMTYKKE_HEADER, SAMTYKKE_POLICY, SAMTYKKE_KEY_FILE, SAMTYKKE_LOG_DIR, SAMTYKKE_FFI_SCOPE) wins over the value here.', 'samtykke')
            . '</p><p>' . esc_html__('For speed, bind the library once per PHP process instead of once per request: save the declarations below as a file, set php.ini ffi.preload to it (ffi.enable=preload suffices then), restart PHP, and set the FFI scope to SAMTYKKE.', 'samtykke')
            . '</p><pre class="samtykke-preload" style="white-space:pre-wrap">' . esc_html(self::preloadHint()) . '</pre><form method="post" action="options.php">';
        settings_fields('samtykke');
        $options = get_option('samtykke_settings', []);
        echo '<table class="form-table">';
        foreach (self::FIELDS as $k => $label) {
            $constant = 'SAMTYKKE_' . strtoupper($k);
            $value = defined($constant) ? (string) constant($constant) : (string) ($options[$k] ?? '');
            echo '<tr><th><label for="samtykke-' . esc_attr($k) . '">' . esc_html($label) . '</label></th><td>'
                . '<input class="regular-text code" id="samtykke-' . esc_attr($k) . '" name="samtykke_settings[' . esc_attr($k) . ']" value="'
                . esc_attr($value) . '"' . (defined($constant) ? ' readonly' : '') . '>'
                . (defined($constant) ? ' <code>' . esc_html($constant) . '</code>' : '') . '</td></tr>';
        }
        echo '</table>';
        submit_button();
        echo '</form></div>';
    }
}
