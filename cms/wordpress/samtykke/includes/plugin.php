<?php
/*
 * The WordPress glue: thin on purpose (a Drupal module would redo only this file).
 * Every decision about a cookie is libsamtykke's, through lib/samtykke.php; this
 * file reads the request, calls the library, and writes headers, HTML and logs.
 *
 * The contract is the tower layer's (SPEC §15): the consent cookie is read from the
 * raw Cookie header and verified with the site key (a missing, altered or foreign
 * one is a new visitor); Sec-GPC: 1 applies the GPC signal; every Set-Cookie the
 * response carries (WordPress's, a theme's, another plugin's) is judged by
 * header_register_callback just before the headers leave: kept only if permitted,
 * a persistent one clamped to its consent lapse; the consent cookie is re-issued
 * when the state changed; deletions are appended for present cookies no longer
 * permitted. The site's consent log lines go out in SPEC §15's order.
 */
declare(strict_types=1);

namespace Samtykke\WordPress;

use Samtykke\ConsentState;
use Samtykke\Error;
use Samtykke\FormError;
use Samtykke\Lib;
use Samtykke\Policy;

defined('ABSPATH') || exit;

final class Plugin
{
    /** The admin-post.php action of the consent forms. */
    public const ACTION = 'samtykke_decide';
    /** The nonce action of the consent forms. */
    public const NONCE = 'samtykke_decide';
    /** The query argument that opens the settings. */
    public const SETTINGS_ARG = 'samtykke-settings';
    /** WordPress's own cookies, kept while the library cannot judge (fail closed). */
    public const FALLBACK = '/\A(wordpress_|wp-settings-|wp-postpass_|wp_lang\z)/';

    private static ?Plugin $instance = null;

    public ?Policy $policy = null;
    /** Why the library or the policy cannot be used (shown to administrators). */
    public ?string $error = null;
    /** @var string[] the site keys, the first signs */
    private array $keys = [];
    public string $logDir = '';
    private ?ConsentState $state = null;
    private ?ConsentState $arrived = null;
    private bool $gpc = false;
    private bool $changed = false;
    private int $now = 0;
    private string $host = '';
    private string $cookieHeader = '';
    private string $lang = 'en';
    /** The page's language, once read ({@see lang()}). */
    private ?string $pageLang = null;
    /** Log lines by SPEC §15's order. */
    private array $events = ['present' => [], 'signal' => [], 'notice' => [], 'decision' => [], 'set' => []];
    private array $proofs = [];
    /** The page's storage-clearing script (the library's), or ''. */
    private string $storageScript = '';
    /** Whether the banner is due, once asked (see due()). */
    private ?bool $due = null;
    /** The Set-Cookie values this plugin let out, once it judged the headers. */
    private ?array $judged = null;
    /**
     * With the library and the policy loaded but no site key: a new visitor's
     * state, which judges the response's cookies (the policy's necessary ones
     * leave) while no consent can be given or read.
     */
    private ?ConsentState $failClosed = null;

    public static function instance(): ?Plugin
    {
        return self::$instance;
    }

    /** Nanoseconds spent in this plugin during the request (measured only for the bench). */
    private int $spent = 0;
    /** The same by part: the plugin's loading and start, then each hook. */
    private array $parts = [];
    private bool $timing = false;

    public static function boot(string $file, ?int $loading = null): void
    {
        $p = new Plugin();
        self::$instance = $p;
        $p->timing = defined('SAMTYKKE_BENCH_TIME') && SAMTYKKE_BENCH_TIME;
        if ($p->timing) {
            add_action('shutdown', static function () use ($p): void {
                if (!is_admin() && !wp_doing_ajax()) {
                    $parts = implode(', ', array_map(fn ($k, $v) => "$k " . intdiv($v, 1000), array_keys($p->parts), $p->parts));
                    echo '<!-- samtykke: ' . intdiv($p->spent, 1000) . " us in the plugin ($parts) -->\n";
                    // A file name instead of true: each request's time is appended
                    // there too, for requests whose pages nobody reads (wrk).
                    if (is_string(SAMTYKKE_BENCH_TIME)) {
                        file_put_contents(SAMTYKKE_BENCH_TIME, intdiv($p->spent, 1000) . "\n", FILE_APPEND);
                    }
                }
            }, 2000);
        }
        $t = hrtime(true);
        $p->start();
        $p->spent += hrtime(true) - ($loading ?? $t);
        $p->parts['load'] = $t - ($loading ?? $t);
        $p->parts['start'] = $p->spent - $p->parts['load'];
        add_action('admin_post_nopriv_' . self::ACTION, [$p, 'decide']);
        add_action('admin_post_' . self::ACTION, [$p, 'decide']);
        add_action('wp_head', $p->timed('consentMode'), 1);
        add_action('wp_body_open', $p->timed('skipLink'), 1);
        add_action('wp_footer', $p->timed('footer'), 100);
        // A response without a body (a redirect) sends its headers only after PHP
        // has destroyed its objects, the policy handle among them: judge them at
        // WordPress's shutdown instead, while the library is still at hand.
        add_action('shutdown', $p->timed('onHeaders'), 0);
        add_action('shutdown', $p->timed('writeLogs'), 1000);
        add_shortcode('samtykke_declaration', [$p, 'declaration']);
        add_action('init', [$p, 'registerBlock']);
        add_action('samtykke_retention', [$p, 'retention']);
        register_activation_hook($file, static function (): void {
            // Autoloaded, so reading a setting never costs a query of its own.
            add_option('samtykke_settings', [], '', 'yes');
            if (!wp_next_scheduled('samtykke_retention')) {
                wp_schedule_event(time() + 3600, 'daily', 'samtykke_retention');
            }
        });
        register_deactivation_hook($file, static function (): void {
            wp_clear_scheduled_hook('samtykke_retention');
        });
        if (is_admin()) {
            // The site owner's pages and notices: not loaded for the site's visitors.
            require_once __DIR__ . '/admin.php';
            Admin::boot($p);
        }
    }

    /** The method $name as a callback, its time added to $spent when timing. */
    private function timed(string $name): callable
    {
        if (!$this->timing) {
            return [$this, $name];
        }
        return function (...$args) use ($name) {
            $t = hrtime(true);
            try {
                return $this->$name(...$args);
            } finally {
                $d = hrtime(true) - $t;
                $this->spent += $d;
                $this->parts[$name] = ($this->parts[$name] ?? 0) + $d;
            }
        };
    }

    /** A setting: the constant SAMTYKKE_NAME in wp-config.php, else the plugin's option. */
    public static function setting(string $name): string
    {
        $constant = 'SAMTYKKE_' . strtoupper($name);
        if (defined($constant)) {
            return (string) constant($constant);
        }
        static $options = null;
        $options ??= get_option('samtykke_settings', []);
        return is_array($options) ? (string) ($options[$name] ?? '') : '';
    }

    /** The log directory: the setting, else beside (not inside) WordPress's directory. */
    public static function logDir(): string
    {
        return self::setting('log_dir') ?: dirname(rtrim(ABSPATH, '/')) . '/samtykke-logs';
    }

    /** Reads the request and loads the library; any failure is kept for the admin notice. */
    private function start(): void
    {
        $this->now = time();
        $this->cookieHeader = is_string($_SERVER['HTTP_COOKIE'] ?? null) ? $_SERVER['HTTP_COOKIE'] : '';
        $this->host = is_string($_SERVER['HTTP_HOST'] ?? null) ? $_SERVER['HTTP_HOST'] : '';
        $this->logDir = self::logDir();
        try {
            $lib = self::setting('lib') ?: 'libsamtykke.so';
            $header = self::setting('header')
                ?: (str_contains($lib, '/') ? dirname($lib, 2) . '/include/samtykke_php.h' : '/usr/local/include/samtykke_php.h');
            Lib::configure($lib, $header, self::setting('ffi_scope') ?: null);
            if (defined('SAMTYKKE_COUNT_FFI') && SAMTYKKE_COUNT_FFI) {
                // For cms/wordpress/bench: the page ends with the count of library calls.
                Lib::countCalls();
                add_action('shutdown', static function (): void {
                    if (!is_admin() && !wp_doing_ajax()) {
                        echo '<!-- samtykke: ' . (int) Lib::calls() . " library calls -->\n";
                    }
                }, 2000);
            }
            // No header, no signal: the library is asked only when there is one.
            $this->gpc = isset($_SERVER['HTTP_SEC_GPC']) && Lib::gpcSignal((string) $_SERVER['HTTP_SEC_GPC']);
            $policyPath = self::setting('policy');
            if ($policyPath === '') {
                throw new Error('no policy: set SAMTYKKE_POLICY in wp-config.php or the policy file on the settings page');
            }
            $this->policy = Policy::load($policyPath);
            try {
                $this->keys = $this->readKeys();
            } catch (Error $e) {
                $this->failClosed = ConsentState::fresh($this->policy);
                throw $e;
            }
            $this->arrived = ConsentState::fromCookieHeaderOrNull($this->policy, $this->cookieHeader, $this->keys);
            // A cookie that verified under an older key is signed again with the first.
            $this->changed = ($this->arrived?->keyIndex ?? 0) > 0;
            $this->state = $this->arrived ? clone $this->arrived : ConsentState::fresh($this->policy);
            if ($this->gpc) {
                $this->signal();
            }
        } catch (\Throwable $e) {
            $this->policy = null;
            $this->state = null;
            $this->error = $e->getMessage();
        }
        header_register_callback($this->timed('onHeaders'));
    }

    /** Whether, failing closed, the policy (not WordPress's cookie names) judges the cookies. */
    public function failsClosedByPolicy(): bool
    {
        return $this->failClosed !== null;
    }

    /** @return string[] */
    private function readKeys(): array
    {
        $file = self::setting('key_file');
        // No more than the library reads (64 KiB and a byte): a wrong path to a
        // large file is refused, not read into memory.
        $raw = $file !== '' && is_readable($file) ? file_get_contents($file, false, null, 0, 65537) : false;
        $why = 'set SAMTYKKE_KEY_FILE in wp-config.php to a file outside the web root holding'
            . ' one key of 32 bytes or more per line (the first signs)';
        if ($raw === false) {
            throw new Error("no site key: $why");
        }
        // The library reads key files, as the command line does: one key a line
        // when the file is printable text, else the whole file one key.
        try {
            return Lib::siteKeys($raw);
        } catch (Error $e) {
            throw new Error("no site key in $file (" . $e->getMessage() . "): $why");
        }
    }

    private function signal(): void
    {
        $proof = $this->state->signalGpc($this->now);
        if ($proof !== null) {
            if ($proof !== null) {
            $this->proofs[] = $proof;
        }
            $this->events['signal'] = ['signal_gpc'];
            $this->changed = true;
        }
    }

    private function line(string $event, string $text = '', int $number = 0): ?string
    {
        try {
            return $this->state->logLine($event, $this->now, $text, $number);
        } catch (Error $e) {
            return null;
        }
    }

    /** The visitor's language: ?lang=, else Accept-Language (da or en), else the site's. */
    public function lang(): string
    {
        return $this->pageLang ??= $this->readLang();
    }

    /** Whether the plugin has texts in $lang. */
    private static function speaks(string $lang): bool
    {
        return $lang === 'da' || $lang === 'en';
    }

    private function readLang(): string
    {
        try {
            $asked = Lib::requestLang((string) ($_SERVER['QUERY_STRING'] ?? ''),
                (string) ($_SERVER['HTTP_ACCEPT_LANGUAGE'] ?? ''));
        } catch (\Throwable $e) {
            // Without the library (its failure is on the admin notice), the
            // site's language.
            $asked = null;
        }
        return $asked ?? (str_starts_with(get_locale(), 'da') ? 'da' : 'en');
    }

    // ---- the response's cookies ----------------------------------------------

    /** header_register_callback: judge every Set-Cookie just before the headers leave. */
    public function onHeaders(): void
    {
        if ($this->judged !== null) {
            // Judged at shutdown already: anything set since leaves only if it
            // was let out then (the library may be gone by now).
            foreach ($this->setCookies() as $v) {
                if (!in_array($v, $this->judged, true)) {
                    header_remove('Set-Cookie');
                    foreach ($this->judged as $k) {
                        header("Set-Cookie: $k", false);
                    }
                    break;
                }
            }
            return;
        }
        if (headers_sent()) {
            return;
        }
        $this->judged = [];
        try {
            $this->judgeHeaders();
        } catch (\Throwable $e) {
            // Never a white screen: drop what could not be judged.
            header_remove('Set-Cookie');
            error_log('samtykke: ' . $e->getMessage());
        }
    }

    /** The Set-Cookie values the response holds now. */
    private function setCookies(): array
    {
        $sent = [];
        foreach (headers_list() as $h) {
            if (strncasecmp($h, 'Set-Cookie:', 11) === 0) {
                $sent[] = ltrim(substr($h, 11));
            }
        }
        return $sent;
    }

    private function judgeHeaders(): void
    {
        $sent = $this->setCookies();
        header_remove('Set-Cookie');
        if ($this->policy === null) {
            // Failing closed: the policy's necessary cookies when the library
            // can read it, else WordPress's own.
            $kept = $this->failClosed?->filterSetCookie($sent, $this->now)
                ?? array_values(array_filter($sent,
                    fn ($v) => (bool) preg_match(self::FALLBACK, trim(explode('=', $v, 2)[0]))));
            foreach ($kept as $v) {
                header("Set-Cookie: $v", false);
                $this->judged[] = $v;
            }
            return;
        }
        foreach ($this->events['signal'] as $i => $e) {
            if ($e === 'signal_gpc') {
                $this->events['signal'][$i] = $this->line('signal_gpc');
            }
        }
        // One library call: the response's cookies judged and clamped, the consent
        // cookie when the state changed, deletions, and the request's log lines.
        $r = $this->state->respond($this->arrived, $this->keys[0], $this->host, is_ssl(),
            $this->cookieHeader, $sent, $this->now, $this->changed, true);
        if ($r['present'] !== null) {
            $this->events['present'] = [$r['present']];
        }
        foreach ($r['headers'] as $v) {
            header("Set-Cookie: $v", false);
            $this->judged[] = $v;
        }
        $this->events['set'] = $r['set'];
        $this->storageScript = $r['storage_script'];
    }

    // ---- decisions ------------------------------------------------------------

    /** admin-post.php?action=samtykke_decide: a form of the banner or the settings. */
    public function decide(): void
    {
        // The language of the form the visitor sent, else as for a page.
        $posted = is_string($_POST['lang'] ?? null) ? $_POST['lang'] : '';
        $this->lang = self::speaks($posted) ? $posted : $this->lang();
        if ($this->policy === null) {
            wp_die(esc_html(Texts::get($this->lang)['unavailable']), '', ['response' => 503]);
        }
        // In the tower layer's order: a cross-origin post (403), then the post
        // by the library's rule (415 not a form, 413 over 16 KiB, 400 a bad
        // field), then the nonce, which only a form carries.
        $header = fn (string $k) => is_string($_SERVER[$k] ?? null) ? $_SERVER[$k] : null;
        if (!Lib::sameOrigin($this->host, $header('HTTP_ORIGIN'), $header('HTTP_SEC_FETCH_SITE'))) {
            $this->bad(Texts::get($this->lang)['cross_origin'], 403);
        }
        // WordPress routes on `action`, so the choice is `choice`. The body is
        // read as sent; the plugin's own forms are urlencoded and small.
        try {
            $form = Lib::decisionForm($this->policy, $header('CONTENT_TYPE'),
                (string) file_get_contents('php://input'), 'choice');
        } catch (FormError $e) {
            // No choice, not a form and too large in the page's language;
            // anything else as the library says.
            $words = Texts::get($this->lang);
            $this->bad(match (true) {
                $e->field === 'choice' => $words['no_choice'],
                $e->status === 415 => $words['not_a_form'],
                $e->status === 413 => $words['too_large'],
                default => $e->getMessage(),
            }, $e->status);
        }
        $nonce = is_string($_POST['_samtykke_nonce'] ?? null) ? $_POST['_samtykke_nonce'] : '';
        if (!wp_verify_nonce($nonce, self::NONCE)) {
            $this->bad(Texts::get($this->lang)['expired']);
        }
        ['action' => $action, 'notice' => $notice, 'control' => $control] = $form;
        $controlValue = Lib::ffi()->{'SAMTYKKE_CONTROL_' . strtoupper($control)};
        try {
            // A new visitor decides under the consent id their notice was shown to.
            if ($this->arrived === null && $form['consent_id'] !== null) {
                $this->state = ConsentState::fresh($this->policy, $form['consent_id']);
                $this->events['signal'] = [];
                $this->proofs = [];
                if ($this->gpc) {
                    $this->signal();
                }
            }
            $categories = null;
            switch ($action) {
                case 'accept_all':
                    $proof = $this->state->acceptAll($this->now, $notice, $controlValue, $this->gpc);
                    break;
                case 'reject_all':
                    $proof = $this->state->rejectAll($this->now, $notice, $controlValue, $this->gpc);
                    break;
                case 'save':
                    $categories = $form['granted'];
                    $proof = $this->state->save($categories, $this->now, $notice, [], $controlValue, $this->gpc);
                    break;
                default: // withdraw
                    $categories = $form['categories'];
                    $proof = $this->state->withdraw($categories, $this->now, $notice, $controlValue, $this->gpc);
            }
        } catch (Error $e) {
            $this->bad($e->getMessage());
        }
        $this->proofs[] = $proof;
        $this->events['decision'][] = $this->state->logDecision($action, $this->now, $notice, $control, $categories, $this->gpc);
        $this->changed = true;
        $back = wp_get_referer() ?: home_url('/');
        wp_safe_redirect(remove_query_arg(self::SETTINGS_ARG, $back), 303);
        exit;
    }

    /** A refusal (400, or the $status given) with the reason, in WordPress's error page, in the form's language. */
    private function bad(string $why, int $status = 400): never
    {
        $title = Texts::get($this->lang)['bad_request'];
        wp_die(esc_html("$title: $why"), esc_html($title), ['response' => $status, 'back_link' => true]);
    }

    // ---- the page -------------------------------------------------------------

    private function hidden(string $control): string
    {
        $id = $this->arrived === null ? (string) $this->state->freshId : '';
        return wp_nonce_field(self::NONCE, '_samtykke_nonce', false, false)
            . '<input type="hidden" name="action" value="' . esc_attr(self::ACTION) . '">'
            . '<input type="hidden" name="consent_id" value="' . esc_attr($id) . '">'
            . '<input type="hidden" name="notice" value="' . esc_attr((string) $this->policy->site()['notice_version']) . '">'
            . '<input type="hidden" name="control" value="' . esc_attr($control) . '">'
            . '<input type="hidden" name="lang" value="' . esc_attr($this->lang) . '">';
    }

    private function label(array $c, string $field): string
    {
        $v = $c[$field] ?? '';
        return is_array($v) ? (string) ($v[$this->lang] ?? reset($v)) : (string) $v;
    }

    /**
     * wp_head, first: Google Consent Mode's default and update for this visitor
     * (SPEC §16), before any Google tag a theme or plugin adds, when the policy
     * maps Consent Mode types. Failing closed by the policy, a new visitor's.
     */
    public function consentMode(): void
    {
        $state = $this->policy !== null ? $this->state : $this->failClosed;
        if ($state === null) {
            return;
        }
        try {
            echo $state->consentModeScripts($this->now);
        } catch (\Throwable $e) {
            error_log('samtykke: ' . $e->getMessage());
        }
    }

    /** Whether the banner is due for this visitor now (asked of the library once a request). */
    /** Whether the visitor asked for the settings (the footer link). */
    private function settingsAsked(): bool
    {
        return isset($_GET[self::SETTINGS_ARG]);
    }

    private function due(): bool
    {
        return $this->due ??= $this->state->promptDue($this->now);
    }

    /**
     * wp_body_open: a link first in the page, hidden until it has the focus, to
     * the banner or the settings (which wp_footer puts at the end of the page):
     * keyboard and screen-reader users reach them first.
     */
    public function skipLink(): void
    {
        if (is_admin() || $this->policy === null) {
            return;
        }
        try {
            if (!$this->settingsAsked() && !$this->due()) {
                return;
            }
        } catch (\Throwable $e) {
            return;
        }
        $t = Texts::get($this->lang());
        echo '<style>.samtykke-skip{position:absolute;left:-999rem;top:.5rem;z-index:100000;padding:.5rem 1rem;'
            . 'background:#fff;color:#1a1a1a}.samtykke-skip:focus{left:.5rem}</style>'
            . '<a class="samtykke-skip" href="#samtykke-banner">' . esc_html($t['skip_to_banner']) . '</a>';
    }

    /** wp_footer: the banner when consent is due, the settings when asked for, the footer link. */
    public function footer(): void
    {
        if (is_admin()) {
            return;
        }
        if ($this->policy === null) {
            // Without the library there are no settings to open (the admin
            // notice says why).
            return;
        }
        $this->lang = $this->lang();
        $t = Texts::get($this->lang);
        $link = esc_url(add_query_arg(self::SETTINGS_ARG, '1'));
        echo '<p class="samtykke-footer"><a class="samtykke-footer-link" href="' . $link . '">'
            . esc_html($t['footer_link']) . '</a></p>';
        try {
            $this->styles();
            $settings = $this->settingsAsked();
            $due = $this->due();
            if ($settings) {
                echo $this->settingsHtml($t);
                $this->events['notice'][] = $this->line('notice_user', "accept_all\nreject_all\nsave\nwithdraw", 2);
            } elseif ($due) {
                echo $this->bannerHtml($t);
                $this->events['notice'][] = $this->line('notice_auto', "accept_all\nreject_all\nsettings", 1);
            }
            // Storage other than cookies never reaches the server: the library's
            // script clears what the visitor's consent no longer allows.
            echo $this->storageScript;
        } catch (\Throwable $e) {
            error_log('samtykke: ' . $e->getMessage());
        }
    }

    private function choices(array $t, bool $withStatus): string
    {
        $html = '';
        foreach ($this->policy->document()['categories'] ?? [] as $c) {
            $id = (string) $c['id'];
            $label = esc_html($this->label($c, 'label'));
            $desc = esc_html($this->label($c, 'description'));
            // Which categories need consent is the library's answer, not the JSON's.
            $s = $this->state->categoryStatus($id, $this->now);
            if ($s['exempt']) {
                $html .= '<div class="samtykke-choice"><input type="checkbox" checked disabled> <strong>' . $label
                    . '</strong> (' . esc_html($t['always_on']) . ')<br><small>' . $desc . '</small></div>';
                continue;
            }
            $status = '';
            if ($withStatus) {
                $word = $s['allowed'] ? $t['granted'] : ($s['undecided'] ? $t['undecided'] : $t['refused']);
                $status = ' <span class="samtykke-status" data-category="' . esc_attr($id) . '">' . esc_html($t['status'] . ': ' . $word) . '</span>';
            }
            $html .= '<div class="samtykke-choice"><input type="checkbox" id="samtykke-' . esc_attr($id)
                . '" name="granted[]" value="' . esc_attr($id) . '"> <label for="samtykke-' . esc_attr($id) . '"><strong>'
                . $label . '</strong></label>' . $status . '<br><small>' . $desc . '</small></div>';
        }
        return $html;
    }

    private function bannerHtml(array $t): string
    {
        $action = esc_url(admin_url('admin-post.php'));
        $site = esc_html($this->policy->site()['site']);
        $settings = esc_url(remove_query_arg([self::SETTINGS_ARG, 'lang']));
        return '<section class="samtykke-banner" id="samtykke-banner" role="region" aria-labelledby="samtykke-title" lang="' . esc_attr($this->lang) . '">'
            . '<h2 id="samtykke-title">' . esc_html($t['title']) . ' ' . $site . '</h2>'
            . '<p>' . esc_html($t['intro']) . '</p>'
            . '<form method="post" action="' . $action . '">' . $this->hidden('button')
            . '<div class="samtykke-buttons">'
            . '<button type="submit" class="samtykke-button" name="choice" value="accept_all">' . esc_html($t['accept_all']) . '</button>'
            . '<button type="submit" class="samtykke-button" name="choice" value="reject_all">' . esc_html($t['reject_all']) . '</button>'
            . '<button type="submit" class="samtykke-button" form="samtykke-open-settings">' . esc_html($t['settings']) . '</button>'
            . '</div></form>'
            . '<form id="samtykke-open-settings" method="get" action="' . $settings . '">'
            . '<input type="hidden" name="' . self::SETTINGS_ARG . '" value="1">'
            . '<input type="hidden" name="lang" value="' . esc_attr($this->lang) . '"></form></section>';
    }

    private function settingsHtml(array $t): string
    {
        $action = esc_url(admin_url('admin-post.php'));
        $withdraw = '';
        foreach ($this->policy->document()['categories'] ?? [] as $c) {
            $id = (string) $c['id'];
            $s = $this->state->categoryStatus($id, $this->now);
            if (!$s['exempt'] && $s['allowed']) {
                // The category's label in the visitor's language, as the choices name it.
                $withdraw .= '<button type="submit" class="samtykke-button" name="categories[]" value="' . esc_attr($id) . '">'
                    . esc_html($t['withdraw_one']) . ': ' . esc_html($this->label($c, 'label')) . '</button>';
            }
        }
        $declaration = esc_url(home_url('/cookies/'));
        return '<section class="samtykke-banner samtykke-settings" id="samtykke-banner" role="region" aria-labelledby="samtykke-settings-title" lang="' . esc_attr($this->lang) . '">'
            . '<h2 id="samtykke-settings-title">' . esc_html($t['settings_title']) . '</h2>'
            . '<p>' . esc_html($t['settings_intro']) . '</p>'
            . '<form method="post" action="' . $action . '">' . $this->hidden('toggle') . $this->choices($t, true)
            . '<div class="samtykke-buttons">'
            . '<button type="submit" class="samtykke-button" name="choice" value="save">' . esc_html($t['save']) . '</button>'
            . '<button type="submit" class="samtykke-button" name="choice" value="accept_all">' . esc_html($t['accept_all']) . '</button>'
            . '<button type="submit" class="samtykke-button" name="choice" value="reject_all">' . esc_html($t['reject_all']) . '</button>'
            . '</div></form>'
            . '<form method="post" action="' . $action . '" class="samtykke-withdraw">' . $this->hidden('link')
            . '<input type="hidden" name="choice" value="withdraw">' . $withdraw
            . '<button type="submit" class="samtykke-button" name="categories[]" value="">' . esc_html($t['withdraw_all']) . '</button>'
            . '</form><p><a href="' . $declaration . '">' . esc_html($t['declaration']) . '</a></p></section>';
    }

    private function styles(): void
    {
        echo '<style>.samtykke-banner{position:fixed;left:1rem;right:1rem;bottom:1rem;z-index:99999;max-width:44rem;margin:auto;'
            . 'background:#fff;color:#1a1a1a;border:2px solid #1a1a1a;border-radius:.5rem;padding:1rem 1.25rem;font:16px/1.45 system-ui,sans-serif;'
            . 'box-shadow:0 .5rem 2rem rgba(0,0,0,.25)}.samtykke-banner h2{font-size:1.25rem;margin:0 0 .5rem}'
            . '.samtykke-buttons{display:flex;gap:.5rem;flex-wrap:wrap;margin-top:.75rem}'
            . '.samtykke-button{flex:1 1 10rem;font:inherit;font-weight:600;padding:.6rem 1rem;border:2px solid #1a1a1a;border-radius:.3rem;'
            . 'background:#1a1a1a;color:#fff;cursor:pointer}.samtykke-choice{margin:.5rem 0}.samtykke-withdraw{margin-top:.75rem;display:flex;gap:.5rem;flex-wrap:wrap}'
            . '.samtykke-footer{text-align:center;margin:1rem}</style>';
    }

    /** [samtykke_declaration] and the block: the library's declaration in the visitor's language. */
    public function declaration(): string
    {
        if ($this->policy === null) {
            return '';
        }
        try {
            return '<div class="samtykke-declaration">' . $this->policy->declaration($this->lang(), 'html-fragment') . '</div>';
        } catch (Error $e) {
            return '';
        }
    }

    public function registerBlock(): void
    {
        if (!function_exists('register_block_type')) {
            return;
        }
        wp_register_script('samtykke-declaration-block', plugins_url('block/declaration.js', __DIR__),
            ['wp-blocks', 'wp-element', 'wp-server-side-render'], '0.1.0', true);
        register_block_type('samtykke/declaration', [
            'api_version' => 2,
            'editor_script' => 'samtykke-declaration-block',
            'render_callback' => fn () => $this->declaration(),
        ]);
    }

    // ---- logs -----------------------------------------------------------------

    /** shutdown: the request's consent-log lines and proof records, appended. */
    public function writeLogs(): void
    {
        if ($this->policy === null) {
            return;
        }
        $lines = array_filter(array_merge(...array_values($this->events)), 'is_string');
        $this->append('consent.jsonl', $lines);
        $this->append('proofs.jsonl', $this->proofs);
    }

    private function append(string $file, array $lines): void
    {
        if ($lines === []) {
            return;
        }
        if (!is_dir($this->logDir) && !@mkdir($this->logDir, 0750, true) && !is_dir($this->logDir)) {
            error_log("samtykke: cannot create the log directory {$this->logDir}");
            return;
        }
        if (@file_put_contents("{$this->logDir}/$file", implode("\n", $lines) . "\n", FILE_APPEND | LOCK_EX) === false) {
            error_log("samtykke: cannot write {$this->logDir}/$file");
        }
    }

    /** The daily retention pass over the proof records (R19). */
    public function retention(): ?int
    {
        // Proof retention goes on while the key is missing.
        $policy = $this->policy ?? $this->failClosed?->policy();
        if ($policy === null) {
            return null;
        }
        $path = "{$this->logDir}/proofs.jsonl";
        $fh = @fopen($path, 'c+');
        if ($fh === false) {
            return null;
        }
        try {
            flock($fh, LOCK_EX);
            $text = stream_get_contents($fh);
            [$kept, $removed] = $policy->retainProofs((string) $text, time());
            if ($removed > 0) {
                ftruncate($fh, 0);
                rewind($fh);
                fwrite($fh, $kept);
            }
            return $removed;
        } catch (Error $e) {
            error_log('samtykke: retention: ' . $e->getMessage());
            return null;
        } finally {
            flock($fh, LOCK_UN);
            fclose($fh);
        }
    }
}
