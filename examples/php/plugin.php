<?php
/*
 * The consent part of a CMS plugin, on libsamtykke through PHP's FFI.
 *
 * A CMS calls three hooks: at the start of a request (read the visitor's
 * consent from the raw Cookie header), before the response goes out (keep only
 * the Set-Cookie headers the visitor permits; show the banner when due), and
 * when the visitor decides or withdraws (store the new state in the consent
 * cookie and, on withdrawal or refusal, delete what must go). The hooks return
 * the header lines to send, so a CMS passes each to header($line, false) and a
 * test can read them.
 *
 * The region between the snippet markers is shown in docs/c.md; scripts/readme-snippets
 * checks that it stays the same.
 */
declare(strict_types=1);

namespace Samtykke\Plugin;

require_once __DIR__ . '/samtykke.php';

use Samtykke\ConsentState;
use Samtykke\Lib;
use Samtykke\Policy;

// snippet hooks: begin
/** At the start of a request: the visitor's state, from the raw Cookie header. */
function on_request(Policy $policy, array $server, string $siteKey): ConsentState
{
    // Not $_COOKIE: PHP rewrites "." and " " in cookie names there, so a
    // declared "my.cookie" would be looked up as "my_cookie".
    return ConsentState::fromCookieHeader($policy, $server['HTTP_COOKIE'] ?? '', $siteKey);
}

/** Before the response: which of the page's Set-Cookie values may go out. */
function page_cookies(ConsentState $state, array $setCookies, int $now): array
{
    return array_map(fn ($v) => "Set-Cookie: $v", $state->filterSetCookie($setCookies, $now));
}

/**
 * The visitor decided: the banner's or the settings' form, posted to the
 * plugin, read by the library's rule (action = accept_all, reject_all, save or
 * withdraw; granted[] for save, categories[] for withdraw; notice, control).
 * Apply it, log the proof record, store the new state in the consent cookie,
 * and delete what the state no longer permits (after a refusal or a
 * withdrawal). A post that asks for no decision throws Samtykke\FormError,
 * whose $status (415, 413 or 400) and message are the answer.
 */
function on_decision(Policy $policy, ConsentState $state, array $server, string $body, string $siteKey,
                     int $now, callable $logProof): array
{
    // The raw body (file_get_contents('php://input')), not $_POST.
    $form = Lib::decisionForm($policy, $server['CONTENT_TYPE'] ?? null, $body);
    $ffi = Lib::ffi();
    $control = $ffi->{'SAMTYKKE_CONTROL_' . strtoupper($form['control'])};
    $notice = $form['notice'];
    $proof = match ($form['action']) {
        'accept_all' => $state->acceptAll($now, $notice, $control),
        'reject_all' => $state->rejectAll($now, $notice, $control),
        'save' => $state->save($form['granted'], $now, $notice, [], $control),
        default => $state->withdraw($form['categories'], $now, $notice, $control),
    };
    if ($proof !== null) { // a withdrawal of nothing records nothing
        $logProof($proof);
    }

    // The consent cookie as the library writes it: HttpOnly, SameSite=Lax,
    // Secure over HTTPS, the policy's Domain only on a host under it.
    $host = $server['HTTP_HOST'] ?? '';
    $https = ($server['HTTPS'] ?? 'off') !== 'off' && ($server['HTTPS'] ?? '') !== '';
    $headers = ['Set-Cookie: ' . $state->consentSetCookie($siteKey, $host, $https)];
    foreach ($state->deletionHeaders($host, $server['HTTP_COOKIE'] ?? '', $now) as $deletion) {
        $headers[] = "Set-Cookie: $deletion";
    }
    return $headers;
}
// snippet hooks: end

/** Whether to show the banner on this page. */
function banner_due(ConsentState $state, int $now): bool
{
    return $state->promptDue($now);
}
