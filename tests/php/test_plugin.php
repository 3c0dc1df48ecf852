<?php
/*
 * The PHP host (examples/php, on the WordPress plugin's library) against the
 * built library, through PHP's FFI.
 *
 *     SAMTYKKE_LIB=…/libsamtykke.so SAMTYKKE_HEADER=…/samtykke_php.h php tests/php/test_plugin.php
 *
 * Prints one line per test and, last, "php: N passed, N failed"; exits non-zero
 * when a test failed.
 */
declare(strict_types=1);

require_once __DIR__ . '/../../examples/php/plugin.php';

use Samtykke\Lib;
use Samtykke\Policy;
use Samtykke\Error;
use Samtykke\ConsentState;
use function Samtykke\Plugin\banner_due;
use function Samtykke\Plugin\on_decision;
use function Samtykke\Plugin\on_request;
use function Samtykke\Plugin\page_cookies;

const T0 = 1772359200; // 2026-03-01T10:00:00Z
/** A form post's header, as PHP's \$_SERVER holds it. */
const FORM = ['CONTENT_TYPE' => 'application/x-www-form-urlencoded'];
const DAY = 86400;
const KEY = "the site's secret key, 32 bytes!";

$failures = 0;

function check(bool $ok, string $what): void
{
    global $failures;
    if (!$ok) {
        $failures++;
        $at = debug_backtrace()[0]['line'];
        fwrite(STDERR, "  line $at: check failed: $what\n");
    }
}

function policy(): Policy
{
    static $policy = null;
    return $policy ??= Policy::fromJson(file_get_contents(__DIR__ . '/../../examples/kk.dk.policy.json'));
}

/** A page of kk.dk wants to set these. */
const PAGE = [
    'SESSabc=1; Path=/; HttpOnly',
    'nmstat=42; Max-Age=86400; Path=/; Domain=kk.dk',
    'JSESSIONID=9; Path=/',
    '_ga=GA1.2.3; Max-Age=63072000',
];

$tests = [
    // A clone would share the library handle and free it twice (a crash).
    'a_policy_cannot_be_cloned' => function () {
        $p = Policy::fromJson(file_get_contents(__DIR__ . '/../../examples/kk.dk.policy.json'));
        try {
            $q = clone $p;
            check(false, 'clone refused');
        } catch (\Error $e) {
            check(str_contains($e->getMessage(), '__clone'), $e->getMessage());
        }
        unset($p);
        check(true, 'freed once');
    },
    'library_version_and_lint' => function () {
        check(Samtykke\Lib::ffi()->samtykke_version() === '0.1.0', 'version');
        $ids = array_column(policy()->lint(), 'id');
        check(in_array('outlives-consent', $ids, true), 'nmstat outlives its consent');
        check(policy()->consentCookie() === ['name' => 'samtykke', 'domain' => 'kk.dk', 'max_age' => 100 * DAY],
            'consent cookie');
    },

    'the_declaration_in_both_languages' => function () {
        $da = policy()->declaration('da', 'markdown');
        check(str_starts_with($da, '# Cookiedeklaration'), 'Danish Markdown heading');
        check(str_contains($da, 'nmstat') && str_contains($da, '1000 dage'), 'nmstat and its duration');
        $en = policy()->declaration('en', 'html');
        check(str_starts_with($en, '<!DOCTYPE html>') && str_contains($en, '1000 days'), 'English HTML');
        $fragment = policy()->declaration('en', 'html-fragment');
        check(str_starts_with($fragment, '<div class="samtykke-declaration" lang="en">')
            && !str_contains($fragment, '<html') && str_contains($en, $fragment), 'the page content alone');
        try {
            policy()->declaration('fr');
            check(false, 'French accepted');
        } catch (Error $e) {
            check($e->getCode() === Samtykke\Lib::ffi()->SAMTYKKE_RESULT_INVALID_ARGUMENT, 'code');
        }
    },

    's15_the_notice_words_are_the_librarys_in_both_languages' => function () {
        $names = ['title', 'intro', 'accept_all', 'reject_all', 'settings', 'choose', 'save',
            'settings_title', 'settings_intro', 'always_on', 'status', 'granted', 'refused', 'undecided',
            'withdraw_title', 'withdraw_one', 'withdraw_all', 'declaration', 'footer_link', 'skip_to_banner'];
        $da = Samtykke\Lib::noticeWords('da');
        $en = Samtykke\Lib::noticeWords('en');
        check(array_keys($da) === $names && array_keys($en) === $names, 'every word, in order');
        check($da['reject_all'] === 'Afvis alle' && $en['reject_all'] === 'Reject all', 'reject all');
        check($da['settings_intro'] !== $en['settings_intro'] && str_contains($da['intro'], '»Cookieindstillinger«'),
            'each language its own, UTF-8 intact');
        try {
            Samtykke\Lib::noticeWords('fr');
            check(false, 'French accepted');
        } catch (Error $e) {
            check($e->getCode() === Samtykke\Lib::ffi()->SAMTYKKE_RESULT_INVALID_ARGUMENT, 'code');
        }
    },

    'a_broken_policy_names_its_json_path' => function () {
        $json = str_replace('"consent_ttl_days": 100', '"consent_ttl_days": 0',
            file_get_contents(__DIR__ . '/../../examples/kk.dk.policy.json'));
        try {
            Policy::fromJson($json);
            check(false, 'loaded');
        } catch (Error $e) {
            check(str_starts_with($e->getMessage(), 'consent_ttl_days: '), $e->getMessage());
            check($e->getCode() === Samtykke\Lib::ffi()->SAMTYKKE_RESULT_POLICY_TTL_OUT_OF_RANGE, 'code');
        }
    },

    'a_new_visitor_gets_the_banner_and_only_necessary_cookies' => function () {
        $state = on_request(policy(), ['HTTP_COOKIE' => 'SESSabc=1'], KEY);
        check(banner_due($state, T0), 'banner due');
        check(page_cookies($state, PAGE, T0) === ['Set-Cookie: SESSabc=1; Path=/; HttpOnly'], 'only necessary');
        $p = $state->permit('nmstat', T0);
        check($p === ['allowed' => false, 'declared' => true, 'why' => 'undecided', 'category' => 'statistics'],
            json_encode($p));
    },

    'a_choice_travels_in_the_raw_cookie_header' => function () {
        $server = ['HTTP_HOST' => 'www.kk.dk', 'HTTP_COOKIE' => 'SESSabc=1', 'HTTPS' => 'on'];
        $state = on_request(policy(), $server, KEY);
        $proofs = [];
        $headers = on_decision(policy(), $state, $server + FORM, 'action=save&granted%5B%5D=statistics',
            KEY, T0, function ($line) use (&$proofs) { $proofs[] = $line; });
        check(count($headers) === 1, 'only the consent cookie: ' . json_encode($headers));
        check(preg_match('/^Set-Cookie: samtykke=(v1\.[A-Za-z0-9_-]+); Max-Age=8640000; Path=\/; SameSite=Lax; HttpOnly; Secure; Domain=kk\.dk$/',
            $headers[0], $m) === 1, $headers[0]);
        $record = json_decode($proofs[0], true);
        check($record['action'] === 'save' && $record['decisions'] === ['functional' => 'refused', 'statistics' => 'granted'],
            $proofs[0]);

        // The next request: the consent cookie beside one whose name PHP's
        // $_COOKIE would rewrite ("a.b" becomes "a_b").
        $next = ['HTTP_HOST' => 'www.kk.dk', 'HTTP_COOKIE' => "a.b=1; samtykke={$m[1]}; SESSabc=1; nmstat=42"];
        $state = on_request(policy(), $next, KEY);
        check(!banner_due($state, T0 + 60), 'no banner while the choice stands');
        check(page_cookies($state, PAGE, T0 + 60) === [
            'Set-Cookie: SESSabc=1; Path=/; HttpOnly',
            'Set-Cookie: nmstat=42; Max-Age=86400; Path=/; Domain=kk.dk',
        ], 'statistics allowed, functional and undeclared withheld');

        // A cookie signed with another key is not believed: a new visitor.
        $forged = on_request(policy(), $next, 'another key, also of thirty-two!');
        check(banner_due($forged, T0 + 60), 'forged cookie ignored');

        // Withdrawal: the new consent cookie, and nmstat deleted on each domain.
        $headers = on_decision(policy(), $state, $next + FORM, 'action=withdraw', KEY, T0 + 120,
            function ($line) use (&$proofs) { $proofs[] = $line; });
        check(count($headers) === 4, json_encode($headers));
        check(array_slice($headers, 1) === [
            'Set-Cookie: nmstat=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/',
            'Set-Cookie: nmstat=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; Domain=www.kk.dk',
            'Set-Cookie: nmstat=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; Domain=kk.dk',
        ], 'deletion headers');
        check(json_decode(end($proofs), true)['action'] === 'withdraw', 'withdrawal proof');
        check(!$state->permits('nmstat', T0 + 120), 'nmstat stops');
        check(page_cookies($state, PAGE, T0 + 120) === ['Set-Cookie: SESSabc=1; Path=/; HttpOnly'], 'after withdrawal');
    },

    'a_post_that_asks_for_no_decision_throws_with_its_status' => function () {
        $server = ['HTTP_HOST' => 'kk.dk', 'HTTP_COOKIE' => ''];
        foreach ([[[], 'action=accept_all', 415, 'Content-Type'],
                  [['CONTENT_TYPE' => 'application/json'], '{"action":"accept_all"}', 415, 'Content-Type'],
                  [FORM, 'action=accept_all&pad=' . str_repeat('x', 16 * 1024), 413, 'body'],
                  [FORM, 'action=save&granted%5B%5D=nonsense', 400, 'granted']] as [$h, $body, $status, $field]) {
            $state = on_request(policy(), $server, KEY);
            try {
                on_decision(policy(), $state, $server + $h, $body, KEY, T0, fn ($l) => null);
                check(false, "$status: no error");
            } catch (Samtykke\FormError $e) {
                check($e->status === $status && $e->field === $field, "$e->status $e->field: " . $e->getMessage());
            }
            check(banner_due($state, T0), 'nothing decided');
        }
    },

    'the_wordpress_admin_page_tells_a_split_site_and_wordpress_address' => function () {
        defined('ABSPATH') || define('ABSPATH', __DIR__);
        require_once __DIR__ . '/../../cms/wordpress/samtykke/includes/admin.php';
        $one = fn (string $a, string $b) => \Samtykke\WordPress\Admin::oneOrigin($a, $b);
        check($one('https://www.kk.dk', 'https://www.kk.dk/wordpress'), 'a subdirectory is one origin');
        check($one('https://WWW.kk.dk/', 'https://www.kk.dk:443/wp'), 'case and the default port');
        check(!$one('https://www.kk.dk', 'https://kk.dk'), 'www. and the bare domain differ');
        check(!$one('https://kk.dk', 'http://kk.dk'), 'schemes differ');
        check(!$one('https://kk.dk:8443', 'https://kk.dk'), 'ports differ');
    },

    'what_the_filter_withholds_is_named_by_its_place_in_the_values_given' => function () {
        $state = ConsentState::fresh(policy());
        $state->save([], T0, 1);
        // An empty value and one with a line break are no header: withheld
        // whole (not read as two), and the places after them stay right.
        $values = ['', 'nmstat=1', "SESSa=1\nJSESSIONID=x", 'AWSELBCORS=1', '_ga=1', 'SESSb=2'];
        $dropped = array_map(fn ($d) => [$d['index'], $d['reason'], $d['category']],
            $state->filterSetCookieDropped($values, T0 + 1));
        check($dropped === [
            [0, 'unparsable', null],
            [1, 'refused', 'statistics'],
            [2, 'unparsable', null],
            [3, 'refused', 'statistics'],
            [4, 'undeclared', null],
        ], json_encode($dropped));
        check($state->filterSetCookie($values, T0 + 1) === ['SESSb=2'], 'only the necessary cookie passes');
        check($state->filterSetCookieDropped(['SESSb=2'], T0 + 1) === [], 'nothing withheld');
        $record = $state->describe();
        check($record['action'] === 'save' && $record['decided_at'] === T0 && $record['revision'] === 1
            && $record['control'] === 'toggle' && $record['notice_version'] === 1 && !$record['gpc']
            && $record['partial_refusal_at'] === null && $record['expires'] === T0 + 100 * DAY
            && preg_match('/^[0-9a-f]{32}$/', $record['consent_id']) === 1, json_encode($record));
    },

    'refusal_is_stored_and_lapses' => function () {
        $server = ['HTTP_HOST' => 'kk.dk', 'HTTP_COOKIE' => 'nmstat=1; JSESSIONID=2'];
        $state = on_request(policy(), $server, KEY);
        $headers = on_decision(policy(), $state, $server + FORM, 'action=reject_all', KEY, T0, fn ($l) => null);
        // Refused at once: the consent cookie, then deletions for both cookies.
        check(count($headers) === 1 + 2 + 2, json_encode($headers));
        check(!banner_due($state, T0 + 99 * DAY), 'refusal in force: no re-asking (R15)');
        check(banner_due($state, T0 + 100 * DAY), 'refusal lapsed (R16)');
        check($state->permit('nmstat', T0 + 100 * DAY)['why'] === 'expired', 'expired');
    },

    'the_deletion_plan_has_headers_storage_keys_and_undeletable_cookies' => function () {
        $json = file_get_contents(__DIR__ . '/../../examples/kk.dk.policy.json');
        $json = str_replace('"storage": [', '"storage": [{"name": "siteimprove_*", "kind": "local_storage", '
            . '"provider": "siteimprove", "category": "statistics", '
            . '"purpose": {"en": "Statistics", "da": "Statistik"}, "duration": "session"},', $json);
        $json = str_replace('"name": "AWSELBCORS",', '"name": "AWSELBCORS", "domain": "siteimprove.com",', $json);
        $policy = Policy::fromJson($json);
        $state = ConsentState::fresh($policy);
        $state->save(['statistics', 'functional'], T0, 1, ['septima']);
        check($state->permit('JSESSIONID', T0)['why'] === 'provider-refused', 'septima refused inside functional');
        $proof = json_decode($state->withdraw(['statistics'], T0 + DAY, 1), true);
        check($proof['action'] === 'withdraw' && $proof['gpc'] === false, 'withdrawn without the signal');
        // A withdrawal under Sec-GPC: 1 says so in its proof record, as the log line does.
        $signalled = ConsentState::fresh($policy);
        $signalled->acceptAll(T0, 1);
        $proof = json_decode($signalled->withdraw(null, T0 + DAY, 1, null, true), true);
        check($proof['gpc'] === true && $proof['control'] === 'link', 'withdrawn under the signal: ' . json_encode($proof));
        $signalled->acceptAll(T0 + 2 * DAY, 1);
        $proof = json_decode($signalled->withdraw(['statistics'], T0 + 3 * DAY, 1, null, true), true);
        check($proof['gpc'] === true && $proof['decisions']['statistics'] === 'refused', 'one category under the signal');
        // Naming no consent category records nothing (SPEC §4): no proof line.
        check($signalled->withdraw(['necessary'], T0 + 3 * DAY, 1) === null, 'nothing to withdraw');
        $plan = $state->deletionPlan('www.kk.dk', 'nmstat=1; AWSELBCORS=2; SESSabc=3', T0 + DAY);
        check($plan === [
            'set_cookie' => [
                'nmstat=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/',
                'nmstat=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; Domain=www.kk.dk',
                'nmstat=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; Domain=kk.dk',
            ],
            'storage_keys' => [['kind' => 'local_storage', 'key' => 'siteimprove_*']],
            'undeletable' => [['name' => 'AWSELBCORS', 'category' => 'statistics',
                'domain' => 'siteimprove.com', 'reason' => 'outside-reach']],
        ], json_encode($plan));
        check(Policy::explainError($json) === ['', ''], 'a policy that loads has nothing to explain');
    },

    'bad_input_is_an_exception_not_a_crash' => function () {
        $state = ConsentState::fresh(policy());
        try {
            $state->save(['statistics', 'ads'], T0, 1);
            check(false, 'unknown category accepted');
        } catch (Error $e) {
            check($e->getCode() === Samtykke\Lib::ffi()->SAMTYKKE_RESULT_UNKNOWN_NAME, $e->getMessage());
        }
        try {
            $state->save(['statistics'], T0, 1, ['google']);
            check(false, 'unknown provider accepted');
        } catch (Error $e) {
            check($e->getCode() === Samtykke\Lib::ffi()->SAMTYKKE_RESULT_UNKNOWN_NAME, $e->getMessage());
        }
        try {
            $state->permit('nmstat', T0, 99);
            check(false, 'kind 99 accepted');
        } catch (Error $e) {
            check($e->getCode() === Samtykke\Lib::ffi()->SAMTYKKE_RESULT_INVALID_ARGUMENT, $e->getMessage());
        }
        foreach (['', 'v1.', 'v1.AAAA', "v1.\x00\xff", str_repeat('v1.A', 100)] as $garbage) {
            $s = on_request(policy(), ['HTTP_COOKIE' => "samtykke=$garbage"], KEY);
            check(banner_due($s, T0), 'garbage cookie read as a new visitor');
        }
    },
    's15_judge_keeps_permitted_cookies_clamped_to_the_consent_lapse' => function () {
        $s = ConsentState::fresh(policy());
        check($s->judgeSetCookies(PAGE, T0) === ['SESSabc=1; Path=/; HttpOnly'], 'before a choice: necessary only');
        $s->save(['statistics'], T0, 1);
        $kept = $s->judgeSetCookies(PAGE, T0);
        // kk.dk: consent lasts 100 days, so nmstat's day stays and a longer one is cut.
        check($kept === ['SESSabc=1; Path=/; HttpOnly', 'nmstat=42; Max-Age=86400; Path=/; Domain=kk.dk'],
            implode(' | ', $kept));
        $long = $s->judgeSetCookies(['nmstat=1; Max-Age=86400000; Path=/'], T0 + DAY);
        check($long === ['nmstat=1; Max-Age=' . (99 * DAY) . '; Path=/'], implode(' | ', $long));
        check($s->judgeSetCookies(['nmstat=; Max-Age=0', 'not a cookie'], T0) === ['nmstat=; Max-Age=0'],
            'deletions pass, garbage does not');
    },

    's15_consent_cookie_domain_only_under_the_policy_domain_and_the_first_that_verifies_wins' => function () {
        $s = ConsentState::fresh(policy());
        $s->acceptAll(T0, 1);
        $local = $s->consentSetCookie(KEY, '127.0.0.1:8080', false);
        check(str_starts_with($local, 'samtykke=v1.') && !str_contains($local, 'Domain='), $local);
        check(str_contains($local, '; Max-Age=' . (100 * DAY) . '; Path=/; SameSite=Lax; HttpOnly'), $local);
        $kk = $s->consentSetCookie(KEY, 'www.kk.dk', true);
        check(str_ends_with($kk, '; Secure; Domain=kk.dk'), $kk);
        $value = substr(explode(';', $kk)[0], strlen('samtykke='));
        $back = ConsentState::fromCookieHeaderOrNull(policy(), "a=1; samtykke=$value", ["last year's key, still verifying", KEY]);
        check($back !== null && $back->equals($s), 'read back under the second key (rotation)');
        check($back->keyIndex === 1, 'the key it verified under: ' . var_export($back->keyIndex, true));
        $back = ConsentState::fromCookieHeaderOrNull(policy(), "samtykke=$value", [KEY, "last year's key, still verifying"]);
        check($back !== null && $back->keyIndex === 0, 'verified under the key that signs');
        $back = ConsentState::fromCookieHeaderOrNull(policy(), "samtykke=$value", null);
        check($back !== null && $back->equals($s) && $back->keyIndex === 0, 'read unverified without a key');
        check(ConsentState::fromCookieHeaderOrNull(policy(), "samtykke=$value", []) === null,
            'an empty list of keys verifies nothing');
        // Several consent cookies (one a sibling subdomain set): the first that
        // verifies wins; a cookie that is not UTF-8 beside it hides nothing.
        $back = ConsentState::fromCookieHeaderOrNull(policy(), "samtykke=v1.junk; samtykke=$value", KEY);
        check($back !== null && $back->equals($s), 'a second consent cookie that verifies');
        $back = ConsentState::fromCookieHeaderOrNull(policy(), "old=\xe6\xf8; samtykke=v1.junk; samtykke=$value", KEY);
        check($back !== null && $back->equals($s), 'beside a cookie that is not UTF-8');
        check(ConsentState::fromCookieHeaderOrNull(policy(), 'samtykke=v1.junk; a=1', KEY) === null,
            'no consent cookie verifies: a new visitor');
    },

    's8_log_lines_name_the_visitor_and_audit_vocabulary' => function () {
        $s = ConsentState::fresh(policy(), str_repeat('ab', 16));
        $present = json_decode($s->logLine('cookie_present', T0, 'nmstat=1; SESSx=2'), true);
        check($present === ['ts' => '2026-03-01T10:00:00Z', 'visitor' => str_repeat('ab', 16),
            'event' => 'cookie_present', 'cookies' => ['nmstat', 'SESSx']], json_encode($present));
        $notice = json_decode($s->logLine('notice_auto', T0, "accept_all\nreject_all\nsettings", 1), true);
        check($notice['trigger'] === 'auto' && $notice['controls'] === ['accept_all', 'reject_all', 'settings']
            && $notice['preselected'] === [] && $notice['notice'] === 1, json_encode($notice));
        $s->save(['statistics'], T0, 1);
        $d = json_decode($s->logDecision('save', T0, 1, 'toggle', ['statistics'], true), true);
        check($d['action'] === 'save' && $d['granted'] === ['statistics'] && $d['gpc'] === true, json_encode($d));
        $w = json_decode($s->logDecision('withdraw', T0, 1, 'link', null, false), true);
        check(!isset($w['categories']) && !isset($w['gpc']), json_encode($w));
        try {
            $s->logLine('cookie_present', T0, "a=\x01");
            check(false, 'a control character in a Cookie header is an error');
        } catch (Error $e) {
            check($e->getCode() === Samtykke\Lib::ffi()->SAMTYKKE_RESULT_HEADER_INVALID, $e->getMessage());
        }
    },

    'r19_proof_retention_keeps_what_must_be_kept' => function () {
        $s = ConsentState::fresh(policy());
        $proof = $s->acceptAll(T0, 1);
        [$kept, $removed] = policy()->retainProofs("$proof\n\nnot a record\n", T0 + DAY);
        check($kept === "$proof\nnot a record\n" && $removed === 0, $kept);
        [$kept, $removed] = policy()->retainProofs("$proof\n", T0 + 20 * 365 * DAY);
        check($kept === '' && $removed === 1, "after retention: $kept");
        // The WordPress plugin, failing closed without a site key, purges with
        // the policy of its fresh state.
        check(ConsentState::fresh(policy())->policy() === policy(), 'a state knows its policy');
        // A line that is not UTF-8 is kept, and the record after it purged.
        [$kept, $removed] = policy()->retainProofs("\xff\xfe not UTF-8\n$proof\n", T0 + 20 * 365 * DAY);
        check($kept === "\xff\xfe not UTF-8\n" && $removed === 1, 'non-UTF-8 line kept');
    },

    'r15_a_category_with_no_decision_in_force_is_undecided_a_refusal_is_not' => function () {
        $s = ConsentState::fresh(policy());
        $st = $s->categoryStatus('statistics', T0);
        check($st['undecided'] && $st['why'] === 'undecided', json_encode($st));
        $s->rejectAll(T0, 1);
        $st = $s->categoryStatus('statistics', T0 + 60);
        check(!$st['undecided'] && $st['why'] === 'refused', json_encode($st));
        $st = $s->categoryStatus('statistics', T0 + 200 * DAY);
        check($st['undecided'] && $st['why'] === 'expired', json_encode($st));
        check(!$s->categoryStatus('necessary', T0)['undecided'], 'exempt');
    },

    's15_a_key_file_is_read_by_the_library_one_key_a_line' => function () {
        $a = str_repeat('a', 32);
        $b = str_repeat('b', 40);
        check(Lib::siteKeys("# rotated\n$a\r\n\n  $b \n") === [$a, $b], 'text: a key a line, trimmed');
        $bytes = "\xff" . str_repeat("\x00", 31) . "\n";
        check(Lib::siteKeys($bytes) === [$bytes], 'bytes: the whole file one key');
        foreach (["$a\nshort\n", '', "\xff\x00"] as $bad) {
            try {
                Lib::siteKeys($bad);
                check(false, 'refused: ' . bin2hex($bad));
            } catch (Error $e) {
                check($e->getCode() === Lib::ffi()->SAMTYKKE_RESULT_KEY_FILE_INVALID, $e->getMessage());
            }
        }
    },

    'library_errors_are_typed' => function () {
        try {
            Policy::load('/nonexistent/policy.json');
            check(false, 'a missing policy throws');
        } catch (Samtykke\PolicyError $e) {
            check(str_contains($e->getMessage(), '/nonexistent/policy.json'), $e->getMessage());
        }
        try {
            Policy::fromJson('{"schema":"samtykke/policy/1"');
            check(false, 'broken JSON throws');
        } catch (Samtykke\PolicyError $e) {
            check($e->getCode() === Samtykke\Lib::ffi()->SAMTYKKE_RESULT_POLICY_MALFORMED_JSON, $e->getMessage());
        }
        try {
            ConsentState::fresh(policy(), 'not hex');
            check(false, 'a malformed consent id throws');
        } catch (Samtykke\CookieError $e) {
            check(true, '');
        }
        // A rejected request header is a CookieError too, with the library's code.
        try {
            ConsentState::fresh(policy(), str_repeat('a', 32))->deletionPlan('www.kk.dk', "_ga=1\0", T0);
            check(false, 'a header with a NUL throws');
        } catch (Samtykke\CookieError $e) {
            check($e->getCode() === Samtykke\Lib::ffi()->SAMTYKKE_RESULT_HEADER_INVALID, $e->getMessage());
        }
        // Anything else stays the base class, with its code.
        try {
            ConsentState::fresh(policy(), str_repeat('a', 32))->acceptAll(T0, 0);
            check(false, 'notice 0 throws');
        } catch (Samtykke\CookieError $e) {
            check(false, 'not a cookie error: ' . $e->getMessage());
        } catch (Samtykke\Error $e) {
            check($e->getCode() === Samtykke\Lib::ffi()->SAMTYKKE_RESULT_INVALID_ARGUMENT, $e->getMessage());
        }
        // An int past 32 bits is refused, not cut to its low bits (notice 1).
        $state = ConsentState::fresh(policy(), str_repeat('a', 32));
        foreach ([fn () => $state->acceptAll(T0, 4294967297), fn () => $state->permit('_ga', T0, 4294967296),
                  fn () => $state->withdraw(null, T0, -1)] as $i => $call) {
            try {
                $call();
                check(false, "call $i: an int past 32 bits throws");
            } catch (Samtykke\Error $e) {
                check(str_contains($e->getMessage(), 'outside 0..4294967295'), $e->getMessage());
            }
        }
        check($state->equals(ConsentState::fresh(policy(), str_repeat('a', 32))), 'nothing was recorded');
    },
];

$passed = 0;
$failed = 0;
foreach ($tests as $name => $test) {
    $before = $failures;
    try {
        $test();
    } catch (Throwable $e) {
        $failures++;
        fwrite(STDERR, '  ' . get_class($e) . ': ' . $e->getMessage() . "\n");
    }
    if ($failures === $before) {
        $passed++;
        echo "ok     $name\n";
    } else {
        $failed++;
        echo "FAILED $name\n";
    }
}
echo "php: $passed passed, $failed failed\n";
exit($failed === 0 ? 0 : 1);
