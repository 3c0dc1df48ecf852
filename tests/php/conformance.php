<?php
/*
 * The conformance table (the JSON files of tests/conformance, SPEC §18) run
 * through libsamtykke from PHP, with the wrapper of examples/php for what it
 * offers and its FFI binding for the rest.
 *
 *     SAMTYKKE_LIB=…/libsamtykke.so SAMTYKKE_HEADER=…/samtykke_php.h php tests/php/conformance.php
 *
 * Run from the repository root (rows name policies by path). Prints one line per
 * failing row and, last, "php conformance: N passed, N failed".
 *
 * What the C API cannot observe is not checked (a policy's site; the names of the
 * Set-Cookie headers the filter drops, which it lists by place).
 */
declare(strict_types=1);

require_once __DIR__ . '/../../examples/php/samtykke.php';

use Samtykke\ConsentState;
use Samtykke\Lib;
use Samtykke\Policy;
use Samtykke\Error;

const DEFAULT_POLICY = 'examples/kk.dk.policy.json';
const DEFAULT_ID = '0123456789abcdef0123456789abcdef';

$ffi = Lib::ffi();
$why = Lib::names('why');
$kinds = Lib::names('kind');
$controls = array_flip(Lib::names('control'));

function policy_text(array $row): string
{
    if (array_key_exists('policy_text', $row)) {
        return $row['policy_text'];
    }
    $p = $row['policy'] ?? DEFAULT_POLICY;
    return is_string($p) ? file_get_contents($p) : json_encode($p, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
}

/** Applies one event with FFI; returns [code, recorded, proof]. */
function apply_event(Policy $policy, FFI\CData $state, array $e, int $defaultNotice): array
{
    global $ffi, $controls;
    $h = $policy->handle;
    $s = FFI::addr($state);
    $proof = $ffi->new('samtykke_proof');
    FFI::memset($proof, 0xa5, FFI::sizeof($proof));
    $sentinel = FFI::string(FFI::addr($proof), FFI::sizeof($proof));
    $notice = ($e['notice'] ?? $defaultNotice) & 0xFFFFFFFF;
    $control = array_key_exists('control', $e) && $e['control'] !== null
        ? ($controls[$e['control']] ?? 0xFFFFFFFF) : $ffi->SAMTYKKE_CONTROL_BUTTON;
    $gpc = (bool) ($e['gpc'] ?? false);
    $at = $e['at'];
    if ($e['action'] === 'signal_gpc') {
        $recorded = $ffi->new('bool');
        $rc = $ffi->samtykke_state_signal_gpc($h, $s, $at, FFI::addr($proof), FFI::addr($recorded));
        return [$rc, $recorded->cdata, $proof];
    }
    try {
        $chosen = $policy->categoryMask($e['categories'] ?? []);
        $refused = $policy->providerSet($e['refused_providers'] ?? []);
    } catch (Error $x) {
        return [$x->getCode(), false, $proof];
    }
    $said = $ffi->new('bool');
    $rc = match ($e['action']) {
        'accept_all' => $ffi->samtykke_state_accept_all($h, $s, $at, $notice, $control, $gpc, FFI::addr($proof)),
        'reject_all' => $ffi->samtykke_state_reject_all($h, $s, $at, $notice, $control, $gpc, FFI::addr($proof)),
        'save' => $ffi->samtykke_state_save($h, $s, $chosen, FFI::addr($refused), $at, $notice, $control, $gpc,
            FFI::addr($proof)),
        'withdraw' => array_key_exists('categories', $e)
            ? $ffi->samtykke_state_withdraw($h, $s, $chosen, $at, $notice, $control, $gpc, FFI::addr($proof),
                FFI::addr($said))
            : $ffi->samtykke_state_withdraw_all($h, $s, $at, $notice, $control, $gpc, FFI::addr($proof),
                FFI::addr($said)),
        default => $ffi->samtykke_state_gesture($h, $s, $ffi->{'SAMTYKKE_ACTION_' . strtoupper($e['action'])}, $at),
    };
    $recorded = FFI::string(FFI::addr($proof), FFI::sizeof($proof)) !== $sentinel;
    if ($e['action'] === 'withdraw' && $rc === $ffi->SAMTYKKE_RESULT_OK && $said->cdata !== $recorded) {
        // A withdrawal says whether it recorded: the proof is written exactly then.
        throw new RuntimeException('withdraw: recorded_out ' . json_encode($said->cdata) . ', the proof '
            . ($recorded ? 'written' : 'not written'));
    }
    return [$rc, $recorded, $proof];
}

/** One word for an answer, as the table writes it. */
function word(FFI\CData $pm): string
{
    global $why;
    if (!$pm->declared) {
        return 'undeclared';
    }
    if ($pm->allowed) {
        return $pm->exempt ? 'exempt' : 'granted';
    }
    return $why[$pm->why] ?? '?';
}

function new_state(Policy $policy, array $row, array &$faults, int $defaultNotice): ?FFI\CData
{
    global $ffi;
    $state = $ffi->new('samtykke_state');
    $id = Lib::bytes(hex2bin($row['consent_id'] ?? DEFAULT_ID));
    Lib::check($ffi->samtykke_state_init($policy->handle, $id, 16, FFI::addr($state)), 'init');
    foreach ($row['given'] ?? [] as $e) {
        [$rc] = apply_event($policy, $state, $e, $defaultNotice);
        if ($rc !== $ffi->SAMTYKKE_RESULT_OK) {
            $faults[] = "given event {$e['action']} fails: $rc";
            return null;
        }
    }
    return $state;
}

/** The PHP library's ConsentState of a raw state: through its consent cookie, unsigned. */
function wrapped(Policy $policy, FFI\CData $state): ConsentState
{
    global $ffi;
    $cookie = Lib::text(fn ($buf, $len, $outLen) => $ffi->samtykke_state_to_cookie(
        $policy->handle, FFI::addr($state), null, 0, $buf, $len, $outLen), 'to_cookie');
    return ConsentState::fromCookieHeader($policy, $policy->consentCookie()['name'] . "=$cookie", null);
}

function check_answers(Policy $policy, FFI\CData $state, array $row, array &$faults): void
{
    global $ffi;
    $ex = $row['expect'];
    $pm = $ffi->new('samtykke_permit');
    foreach ($ex['status'] ?? [] as $id => $want) {
        $rc = $ffi->samtykke_state_category_status($policy->handle, FFI::addr($state), $id, strlen($id),
            $row['now'], FFI::addr($pm));
        $got = $rc === $ffi->SAMTYKKE_RESULT_OK ? word($pm) : "code $rc";
        if ($got !== $want) {
            $faults[] = "status of $id: $got, expected $want";
        }
    }
    foreach ($ex['permits'] ?? [] as $name => $want) {
        $rc = $ffi->samtykke_state_permits($policy->handle, FFI::addr($state), $ffi->SAMTYKKE_KIND_COOKIE,
            (string) $name, strlen((string) $name), $row['now'], FFI::addr($pm));
        $got = $rc === $ffi->SAMTYKKE_RESULT_OK ? word($pm) : "code $rc";
        if ($got !== $want) {
            $faults[] = "permits $name: $got, expected $want";
        }
    }
    if (array_key_exists('prompt_due', $ex)) {
        $due = $ffi->new('bool');
        $rc = $ffi->samtykke_state_prompt_due($policy->handle, FFI::addr($state), $row['now'], FFI::addr($due));
        if ($rc !== $ffi->SAMTYKKE_RESULT_OK || $due->cdata !== $ex['prompt_due']) {
            $faults[] = 'prompt_due: ' . ($rc !== $ffi->SAMTYKKE_RESULT_OK ? "code $rc" : json_encode($due->cdata));
        }
    }
}

/** What a state records (ConsentState::describe), where the row says. */
function check_record(ConsentState $state, array $row, array &$faults): void
{
    $ex = $row['expect'];
    $got = $state->describe();
    $keys = ['consent_id', 'decided_at', 'revision', 'partial_refusal_at', 'action', 'control', 'notice_version',
        'gpc', 'expires'];
    foreach ($keys as $k) {
        if (array_key_exists($k, $ex) && $got[$k] !== $ex[$k]) {
            $faults[] = "$k: " . json_encode($got[$k]) . ', expected ' . json_encode($ex[$k]);
        }
    }
}

function run_row(string $file, array $row): array
{
    global $ffi, $kinds;
    $faults = [];
    $ex = $row['expect'];
    $code = function (int $got, string $what) use ($ex, &$faults): void {
        if ($got !== $ex['code']) {
            $faults[] = "$what: code $got, expected {$ex['code']} {$ex['code_name']}";
        }
    };
    $text = policy_text($row);
    $doc = json_decode($text, true);
    $defaultNotice = is_array($doc) ? ($doc['notice_version'] ?? 1) : 1;

    if ($file === 'policies') {
        try {
            Policy::fromJson($text);
            $code($ffi->SAMTYKKE_RESULT_OK, 'load');
        } catch (Error $e) {
            $code($e->getCode(), 'load');
            [$path] = Policy::explainError($text);
            if (isset($ex['path']) && $path !== $ex['path']) {
                $faults[] = "path $path, expected {$ex['path']}";
            }
        }
        return $faults;
    }
    $type = $row['type'] ?? $file;
    if ($file === 'iab') {
        // SPEC §16: a TC string's code, CMP id and vendor consents, or a GPP
        // string's code and section ids.
        $value = $row['value'];
        $ids = $ffi->new('uint16_t[1024]');
        $n = $ffi->new('size_t');
        if ($type === 'tcf') {
            $t = $ffi->new('samtykke_tcf');
            $rc = $ffi->samtykke_tcf_decode($value, strlen($value), FFI::addr($t));
            $code($rc, 'tcf_decode');
            if ($rc !== $ffi->SAMTYKKE_RESULT_OK) {
                return $faults;
            }
            if (isset($ex['cmp_id']) && $t->cmp_id !== $ex['cmp_id']) {
                $faults[] = "cmp_id {$t->cmp_id}";
            }
            $rc = $ffi->samtykke_tcf_vendors($value, strlen($value), 0 /* SAMTYKKE_TCF_VENDOR_CONSENTS: the PHP header keeps no #define */,
                $ids, 1024, FFI::addr($n));
            $code($rc, 'tcf_vendors');
        } else {
            $rc = $ffi->samtykke_gpp_decode($value, strlen($value), $ids, 1024, FFI::addr($n));
            $code($rc, 'gpp_decode');
            if ($rc !== $ffi->SAMTYKKE_RESULT_OK) {
                return $faults;
            }
        }
        $got = [];
        for ($i = 0; $i < $n->cdata; $i++) {
            $got[] = $ids[$i];
        }
        if ($got !== $ex['ids']) {
            $faults[] = 'ids ' . json_encode($got) . ', expected ' . json_encode($ex['ids']);
        }
        return $faults;
    }
    if ($type === 'cookie_header') {
        $found = $ffi->new('bool');
        $seen = [];
        $pairs = $ex['pairs'] ?? [['x', null]];
        foreach ($pairs as [$name, $value]) {
            if (isset($seen[$name])) {
                continue; // the API gives a name's first value
            }
            $seen[$name] = true;
            try {
                $got = Lib::text(fn ($buf, $len, $outLen) => $ffi->samtykke_cookie_header_get(
                    $row['header'], strlen($row['header']), $name, strlen($name), $buf, $len, $outLen,
                    FFI::addr($found)), 'cookie header');
                $code($ffi->SAMTYKKE_RESULT_OK, 'cookie_header_get');
            } catch (Error $e) {
                $code($e->getCode(), 'cookie_header_get');
                break;
            }
            if ($value !== null && (!$found->cdata || $got !== $value)) {
                $faults[] = "cookie $name: $got, expected $value";
            }
        }
        return $faults;
    }

    if ($type === 'sec_gpc') {
        // Through the PHP library's own reader, as the plugin reads a request.
        try {
            $signal = Lib::gpcSignal($row['value']);
            $code($ffi->SAMTYKKE_RESULT_OK, 'gpcSignal');
        } catch (Error $e) {
            $code($e->getCode(), 'gpcSignal');
            return $faults;
        }
        if ($signal !== $ex['signal']) {
            $faults[] = 'signal: ' . json_encode($signal);
        }
        return $faults;
    }
    if ($type === 'same_origin') {
        // Absent: null, a request without the header.
        try {
            $same = Lib::sameOrigin($row['host'], $row['origin'] ?? null, $row['sec_fetch_site'] ?? null);
            $code($ffi->SAMTYKKE_RESULT_OK, 'sameOrigin');
        } catch (Error $e) {
            $code($e->getCode(), 'sameOrigin');
            return $faults;
        }
        if ($same !== $ex['same']) {
            $faults[] = 'same: ' . json_encode($same);
        }
        return $faults;
    }
    if ($type === 'request_lang') {
        try {
            $lang = Lib::requestLang($row['query'], $row['accept_language']);
            $code($ffi->SAMTYKKE_RESULT_OK, 'requestLang');
        } catch (Error $e) {
            $code($e->getCode(), 'requestLang');
            return $faults;
        }
        if ($lang !== $ex['lang']) {
            $faults[] = 'lang: ' . json_encode($lang);
        }
        return $faults;
    }

    $policy = Policy::fromJson($text);
    if ($file === 'events') {
        $state = new_state($policy, $row, $faults, $defaultNotice);
        if ($state === null) {
            return $faults;
        }
        $before = FFI::string(FFI::addr($state), FFI::sizeof($state));
        [$rc, $recorded, $proof] = apply_event($policy, $state, $row['event'], $defaultNotice);
        $code($rc, $row['event']['action']);
        if ($rc !== $ffi->SAMTYKKE_RESULT_OK) {
            if (FFI::string(FFI::addr($state), FFI::sizeof($state)) !== $before) {
                $faults[] = 'the state changed on an error';
            }
            return $faults;
        }
        if (array_key_exists('recorded', $ex) && $recorded !== $ex['recorded']) {
            $faults[] = 'recorded: ' . json_encode($recorded);
        }
        if (array_key_exists('partial_refusal_at', $ex) || array_key_exists('expires', $ex)) {
            check_record(wrapped($policy, $state), $row, $faults);
        }
        if (array_key_exists('notice_version', $ex) && $recorded) {
            $line = Lib::text(fn ($buf, $len, $outLen) => $ffi->samtykke_proof_to_json(
                $policy->handle, FFI::addr($proof), $buf, $len, $outLen), 'proof');
            if (json_decode($line, true)['notice_version'] !== $ex['notice_version']) {
                $faults[] = "notice_version: $line";
            }
        }
        check_answers($policy, $state, $row, $faults);
    } elseif ($file === 'cookies') {
        $state = $ffi->new('samtykke_state');
        $key = isset($row['key_hex']) ? hex2bin($row['key_hex']) : null;
        $rc = $ffi->samtykke_state_from_cookie($policy->handle, $row['value'], strlen($row['value']),
            $key === null ? null : Lib::bytes($key), $key === null ? 0 : strlen($key), FFI::addr($state));
        $code($rc, 'from_cookie');
        if ($rc === $ffi->SAMTYKKE_RESULT_OK) {
            check_answers($policy, $state, $row, $faults);
            // And through the PHP library's own reader of a Cookie header.
            $name = $policy->consentCookie()['name'];
            check_record(ConsentState::fromCookieHeader($policy, "$name={$row['value']}", $key), $row, $faults);
        }
    } elseif ($type === 'set_cookie_filter') {
        $state = new_state($policy, $row, $faults, $defaultNotice);
        if ($state === null) {
            return $faults;
        }
        $joined = implode("\n", $row['set_cookie']);
        try {
            $kept = Lib::lines(Lib::text(fn ($buf, $len, $outLen) => $ffi->samtykke_state_filter_set_cookie(
                $policy->handle, FFI::addr($state), $joined, strlen($joined), $row['now'], $buf, $len, $outLen),
                'filter'));
            $code($ffi->SAMTYKKE_RESULT_OK, 'filter_set_cookie');
            if ($kept !== $ex['kept']) {
                $faults[] = 'kept ' . json_encode($kept);
            }
            // What was withheld, and why, through the PHP library.
            $dropped = array_map(fn ($d) => [$d['index'], $d['reason']],
                wrapped($policy, $state)->filterSetCookieDropped($row['set_cookie'], $row['now']));
            $want = array_map(fn ($d) => [$d['index'], $d['reason']], $ex['dropped']);
            if ($dropped !== $want) {
                $faults[] = 'dropped ' . json_encode($dropped);
            }
            if (array_key_exists('sent', $ex)) {
                // What leaves, shortened to the lapse.
                $sent = Lib::lines(Lib::text(fn ($buf, $len, $outLen) => $ffi->samtykke_state_judge_set_cookies(
                    $policy->handle, FFI::addr($state), $joined, strlen($joined), $row['now'], $buf, $len,
                    $outLen), 'judge'));
                if ($sent !== $ex['sent']) {
                    $faults[] = 'sent ' . json_encode($sent);
                }
            }
        } catch (Error $e) {
            $code($e->getCode(), 'filter_set_cookie');
        }
    } elseif ($type === 'decision_form') {
        // Through the PHP library's own reader, as the plugin reads a decision.
        try {
            // Absent: a form's; null: no header.
            $contentType = array_key_exists('content_type', $row) ? $row['content_type']
                : 'application/x-www-form-urlencoded';
            $form = Lib::decisionForm($policy, $contentType, $row['body'], $row['action_field'] ?? 'action');
            $code($ffi->SAMTYKKE_RESULT_OK, 'decisionForm');
        } catch (Samtykke\FormError $e) {
            $code($e->getCode(), 'decisionForm');
            if ($e->field !== $ex['field']) {
                $faults[] = "field: {$e->field}";
            }
            if ($e->status !== $ex['http_status']) {
                $faults[] = "status: {$e->status}";
            }
            return $faults;
        }
        foreach (['action', 'notice', 'control', 'granted', 'categories', 'consent_id'] as $k) {
            if ($form[$k] !== $ex[$k]) {
                $faults[] = "$k: " . json_encode($form[$k]);
            }
        }
    } elseif ($type === 'consent_cookie_header') {
        // Through the PHP library's own reader, as the plugin reads a request.
        $header = isset($row['header_hex']) ? hex2bin($row['header_hex']) : $row['header'];
        // Absent: no keys, read unverified; a list (even empty): those keys.
        $keys = isset($row['keys_hex']) ? array_map('hex2bin', $row['keys_hex']) : null;
        try {
            $state = ConsentState::fromCookieHeaderOrNull($policy, $header, $keys);
            $code($ffi->SAMTYKKE_RESULT_OK, 'fromCookieHeaderOrNull');
        } catch (Error $e) {
            $code($e->getCode(), 'fromCookieHeaderOrNull');
            return $faults;
        }
        if (($state !== null) !== $ex['found']) {
            $faults[] = 'found: ' . json_encode($state !== null);
            return $faults;
        }
        if ($state !== null) {
            if ($state->keyIndex !== $ex['key_index']) {
                $faults[] = 'key_index: ' . json_encode($state->keyIndex);
            }
            check_record($state, $row, $faults);
            foreach ($ex['status'] ?? [] as $id => $want) {
                $st = $state->categoryStatus($id, $row['now']);
                $got = $st['exempt'] ? 'exempt' : ($st['allowed'] ? 'granted' : $st['why']);
                if ($got !== $want) {
                    $faults[] = "status of $id: $got, expected $want";
                }
            }
        }
    } elseif ($type === 'deletion') {
        $state = new_state($policy, $row, $faults, $defaultNotice);
        if ($state === null) {
            return $faults;
        }
        $plan = $ffi->new('samtykke_plan*');
        $rc = $ffi->samtykke_state_deletion_plan($policy->handle, FFI::addr($state), $row['host'],
            strlen($row['host']), $row['cookie_header'], strlen($row['cookie_header']), $row['now'],
            FFI::addr($plan));
        $code($rc, 'deletion_plan');
        if ($rc !== $ffi->SAMTYKKE_RESULT_OK) {
            return $faults;
        }
        $counts = $ffi->new('samtykke_plan_counts');
        $ffi->samtykke_plan_count($plan, FFI::addr($counts));
        $got = ['set_cookie' => [], 'storage_keys' => [], 'undeletable' => []];
        $t = $ffi->new('const char*');
        $l = $ffi->new('size_t');
        for ($i = 0; $i < $counts->set_cookie; $i++) {
            $ffi->samtykke_plan_set_cookie($plan, $i, FFI::addr($t), FFI::addr($l));
            $got['set_cookie'][] = FFI::string($t, $l->cdata);
        }
        $k = $ffi->new('samtykke_storage_key');
        for ($i = 0; $i < $counts->storage_keys; $i++) {
            $ffi->samtykke_plan_storage_key($plan, $i, FFI::addr($k));
            $got['storage_keys'][] = [$kinds[$k->kind], FFI::string($k->key, $k->key_len)];
        }
        $u = $ffi->new('samtykke_undeletable');
        for ($i = 0; $i < $counts->undeletable; $i++) {
            $ffi->samtykke_plan_undeletable($plan, $i, FFI::addr($u));
            $got['undeletable'][] = [
                'name' => FFI::string($u->name, $u->name_len),
                'category' => FFI::string($u->category, $u->category_len),
                'domain' => FFI::string($u->domain, $u->domain_len),
                'reason' => FFI::string($u->reason, $u->reason_len),
            ];
        }
        $ffi->samtykke_plan_free($plan);
        foreach (['set_cookie', 'storage_keys', 'undeletable'] as $part) {
            if ($got[$part] !== $ex[$part]) {
                $faults[] = "$part " . json_encode($got[$part]) . ', expected ' . json_encode($ex[$part]);
            }
        }
    } else {
        $faults[] = "unknown row type $type";
    }
    return $faults;
}

$passed = 0;
$failed = 0;
foreach (['events', 'policies', 'cookies', 'headers', 'iab'] as $file) {
    $rows = json_decode(file_get_contents("tests/conformance/$file.json"), true, 512, JSON_THROW_ON_ERROR);
    foreach ($rows as $row) {
        try {
            $faults = run_row($file, $row);
        } catch (Throwable $e) {
            $faults = [get_class($e) . ': ' . $e->getMessage()];
        }
        if ($faults === []) {
            $passed++;
        } else {
            $failed++;
            echo "FAILED {$row['name']} ($file)\n";
            foreach ($faults as $f) {
                echo "  $f\n";
            }
        }
    }
}
echo "php conformance: $passed passed, $failed failed\n";
exit($failed === 0 ? 0 : 1);
