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

use Samtykke\Policy;
use Samtykke\ConsentState;

/** The site's notice (banner text) version, shown with every decision (R7). */
const NOTICE = 1;

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
 * The visitor decided (accept_all, reject_all, save, withdraw): apply it, log
 * the proof record, store the new state in the consent cookie, and delete what
 * the state no longer permits (after a refusal or a withdrawal).
 */
function on_decision(Policy $policy, ConsentState $state, array $server, array $post, string $siteKey,
                     int $now, callable $logProof): array
{
    $proof = match ($post['action'] ?? '') {
        'accept_all' => $state->acceptAll($now, NOTICE),
        'reject_all' => $state->rejectAll($now, NOTICE),
        'save' => $state->save($post['categories'] ?? [], $now, NOTICE),
        'withdraw' => $state->withdraw($post['categories'] ?? null, $now, NOTICE),
        default => throw new \InvalidArgumentException('unknown action'),
    };
    $logProof($proof);

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
