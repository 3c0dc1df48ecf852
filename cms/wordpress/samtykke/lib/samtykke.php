<?php
/*
 * libsamtykke from PHP through its FFI: the PHP library of the WordPress plugin
 * (cms/wordpress/samtykke), small enough for a Drupal module or any PHP host to
 * reuse. Every rule lives in the library; this file only moves strings and
 * integers across, reading enum values and sizes from the header.
 *
 * Needs PHP's FFI extension (Debian's php-cli has it; the CLI allows it with the
 * default ffi.enable=preload; for a web SAPI, preload this file or set
 * ffi.enable=true). Where the library and the declarations are, in this order:
 * Lib::configure($lib, $header); the environment (SAMTYKKE_LIB, SAMTYKKE_HEADER);
 * libsamtykke.so on the loader's path and ../../../../include/samtykke_php.h.
 * samtykke_php.h is the declarations-only header for FFI::cdef that `make install`
 * puts beside samtykke.h.
 */
declare(strict_types=1);

namespace Samtykke;

use FFI;
use FFI\CData;

/**
 * A call into libsamtykke failed, or the library cannot be used; the code is a
 * samtykke_result where the library gave one. The subclasses say what failed.
 */
class Error extends \RuntimeException
{
}

/** The library cannot be used: FFI off, library or header missing, wrong version. */
final class LibraryError extends Error
{
}

/** A policy file is missing or does not load (the message names the JSON path). */
final class PolicyError extends Error
{
}

/**
 * A decision's form asks for no decision (code SAMTYKKE_RESULT_FORM_INVALID):
 * $field names the field at fault, the message says why.
 */
final class FormError extends Error
{
    /** $field: the field at fault; $status: the HTTP status to answer (415, 413, else 400). */
    public function __construct(string $message, int $code, public readonly string $field,
        public readonly int $status = 400)
    {
        parent::__construct($message, $code);
    }
}

/** A consent cookie or a request header was rejected. */
final class CookieError extends Error
{
}

/**
 * The binding with every samtykke_ call counted (Lib::countCalls), for measuring
 * how many crossings a host makes per request; behaves as the FFI object.
 */
final class CallCounter
{
    public int $calls = 0;

    public function __construct(private FFI $ffi)
    {
    }

    public function __call(string $name, array $args): mixed
    {
        if (str_starts_with($name, 'samtykke_')) {
            $this->calls++;
        }
        return $this->ffi->$name(...$args);
    }

    public function __get(string $name): mixed
    {
        return $this->ffi->$name;
    }
}

/** The FFI binding, loaded once per process. */
final class Lib
{
    /** The library's API this file was written for: major.minor of samtykke_version(). */
    public const API_VERSION = '0.1';

    private static ?FFI $ffi = null;
    /** samtykke_php.h's text, for names(); null until read (a preloaded scope reads it lazily). */
    private static ?string $declarations = '';
    private static ?string $lib = null;
    private static ?string $header = null;
    private static ?string $scope = null;
    private static ?CallCounter $counter = null;

    /** Counts the samtykke_ calls from now on (Lib::calls() tells how many). */
    public static function countCalls(): void
    {
        self::$counter ??= new CallCounter(self::ffiOnly());
    }

    /** How many samtykke_ calls were made since countCalls(); null when not counting. */
    public static function calls(): ?int
    {
        return self::$counter?->calls;
    }

    /**
     * Where the library and samtykke_php.h are. Only before the first call into
     * the library: once loaded, the binding stays (handles made through it must
     * keep working), and a later call changes nothing.
     */
    public static function configure(?string $lib, ?string $header, ?string $scope = null): void
    {
        if (self::$ffi === null) {
            self::$lib = $lib;
            self::$header = $header;
            self::$scope = $scope;
        }
    }

    /**
     * The declarations for php.ini's ffi.preload, which binds the library once per
     * process instead of once per request (FFI::cdef parses the header each time):
     * samtykke_php.h behind the two lines FFI::load reads, FFI_SCOPE and FFI_LIB.
     * Lib::configure(…, scope: 'SAMTYKKE') then uses FFI::scope('SAMTYKKE').
     */
    public static function preloadHeader(string $lib, string $header, string $scope = 'SAMTYKKE'): string
    {
        $declarations = is_readable($header) ? file_get_contents($header) : false;
        if ($declarations === false) {
            throw new LibraryError("cannot read the header $header");
        }
        return sprintf("#define FFI_SCOPE \"%s\"\n#define FFI_LIB \"%s\"\n%s", $scope, $lib, $declarations);
    }

    /**
     * The binding; throws LibraryError when FFI is off, the library or header is
     * missing, or the library's version is not API_VERSION's.
     */
    public static function ffi(): FFI|CallCounter
    {
        return self::$counter ?? self::ffiOnly();
    }

    private static function ffiOnly(): FFI
    {
        if (self::$ffi === null) {
            if (!extension_loaded('ffi') || !class_exists(FFI::class)) {
                throw new LibraryError("PHP's FFI extension is not loaded");
            }
            $enable = strtolower((string) ini_get('ffi.enable'));
            if ($enable === '0' || $enable === 'false' || $enable === 'off' || $enable === '') {
                throw new LibraryError('FFI is disabled (ffi.enable=' . ini_get('ffi.enable') . ')');
            }
            if (self::$scope) {
                try {
                    $ffi = FFI::scope(self::$scope);
                } catch (\Throwable $e) {
                    throw new LibraryError('no FFI scope ' . self::$scope . ' (set php.ini ffi.preload to the'
                        . ' declarations Lib::preloadHeader() writes): ' . $e->getMessage());
                }
                self::checkVersion($ffi, 'the preloaded library');
                // The declarations are read only when names() needs them: most
                // requests never do.
                self::$declarations = null;
                return self::$ffi = $ffi;
            }
            $header = self::$header ?: (getenv('SAMTYKKE_HEADER') ?: __DIR__ . '/../../../../include/samtykke_php.h');
            $lib = self::$lib ?: (getenv('SAMTYKKE_LIB') ?: 'libsamtykke.so');
            $declarations = is_readable($header) ? file_get_contents($header) : false;
            if ($declarations === false) {
                throw new LibraryError("cannot read the header $header");
            }
            if (str_contains($lib, '/') && !is_readable($lib)) {
                throw new LibraryError("cannot read the library $lib");
            }
            try {
                $ffi = FFI::cdef($declarations, $lib);
            } catch (\Throwable $e) {
                throw new LibraryError("cannot load $lib: " . $e->getMessage());
            }
            self::checkVersion($ffi, $lib);
            self::$declarations = $declarations;
            self::$ffi = $ffi;
        }
        return self::$ffi;
    }

    private static function checkVersion(FFI $ffi, string $what): void
    {
        $version = self::cstring($ffi->samtykke_version());
        if (!str_starts_with($version, self::API_VERSION . '.')) {
            throw new LibraryError(sprintf('%s is libsamtykke %s; this code needs %s.x',
                $what, $version, self::API_VERSION));
        }
    }

    /** samtykke_version() of the loaded library. */
    public static function version(): string
    {
        return self::cstring(self::ffi()->samtykke_version());
    }

    /** A `const char *` return value (PHP's FFI gives a string or a CData). */
    private static function cstring(mixed $v): string
    {
        return is_string($v) ? $v : FFI::string($v);
    }

    /**
     * The names of an enum's values as the header gives them (each value's
     * comment is its name in the core): names('why') is [1 => 'undecided', …].
     * Values themselves are read as constants, $ffi->SAMTYKKE_WHY_REFUSED.
     */
    public static function names(string $enum): array
    {
        static $names = [];
        if (!isset($names[$enum])) {
            self::ffi();
            self::$declarations ??= (string) @file_get_contents(self::$header ?: (getenv('SAMTYKKE_HEADER') ?: ''));
            $prefix = 'SAMTYKKE_' . strtoupper($enum) . '_';
            preg_match_all('#/\*\* (\S+) \*/\s*' . $prefix . '\w+ = (\d+),#', self::$declarations, $m);
            $names[$enum] = array_combine(array_map('intval', $m[2]), $m[1]);
        }
        return $names[$enum];
    }

    /**
     * The value of an enum's member by its name where the name is the constant's
     * suffix (value('log_event', 'notice_auto') is SAMTYKKE_LOG_EVENT_NOTICE_AUTO),
     * read from the header's constants; null when the header has no such member.
     */
    public static function value(string $enum, string $name): ?int
    {
        static $values = [];
        $key = "$enum.$name";
        if (array_key_exists($key, $values)) {
            return $values[$key];
        }
        if (!preg_match('/\A[a-z_]+\z/', $name)) {
            return null;
        }
        try {
            return $values[$key] = self::ffi()->{'SAMTYKKE_' . strtoupper($enum) . '_' . strtoupper($name)};
        } catch (\Throwable $e) {
            return $values[$key] = null;
        }
    }

    /**
     * Throws unless $rc is SAMTYKKE_RESULT_OK, with the library's explanation:
     * a CookieError for a consent cookie's codes (3xx) and a rejected header
     * (SAMTYKKE_RESULT_HEADER_INVALID), else an Error; the code is the result's.
     */
    public static function check(int $rc, string $what): void
    {
        $ffi = self::ffi();
        if ($rc !== $ffi->SAMTYKKE_RESULT_OK) {
            $message = $ffi->samtykke_result_message($rc);
            if (($rc >= 300 && $rc < 400) || $rc === $ffi->SAMTYKKE_RESULT_HEADER_INVALID) {
                throw new CookieError("$what: $message", $rc);
            }
            throw new Error("$what: $message", $rc);
        }
    }

    /**
     * $value as the `uint32_t` the API takes: PHP's FFI would cut a larger int
     * to its low 32 bits without a word (4294967297 as notice 1), so a value
     * outside 0..4294967295 is an Error (SAMTYKKE_RESULT_INVALID_ARGUMENT)
     * naming $what.
     */
    public static function u32(int $value, string $what): int
    {
        if ($value < 0 || $value > 0xFFFFFFFF) {
            throw new Error("$what: $value is outside 0..4294967295",
                self::ffi()->SAMTYKKE_RESULT_INVALID_ARGUMENT);
        }
        return $value;
    }

    /** Bytes (a site key, a consent id) as the `const uint8_t *` the API takes. */
    public static function bytes(string $bytes): CData
    {
        $buf = self::ffi()->new('uint8_t[' . max(1, strlen($bytes)) . ']');
        FFI::memcpy($buf, $bytes, strlen($bytes));
        return $buf;
    }

    /**
     * Text from a function that writes into a caller buffer: $call($buf, $len,
     * $outLen) is tried with 1 KiB and, when that is too small, once more with
     * the length the library asked for.
     */
    public static function text(callable $call, string $what): string
    {
        $ffi = self::ffi();
        // One 4 KiB buffer and length for the request's calls (most texts fit):
        // each FFI::new costs about as much as the call it serves.
        static $shared = null;
        if ($shared === null || $shared[0] !== $ffi) {
            $shared = [$ffi, $ffi->new('char[4096]'), $ffi->new('size_t')];
        }
        [, $buf, $len] = $shared;
        $size = 4096;
        $rc = $call($buf, $size, FFI::addr($len));
        if ($rc === $ffi->SAMTYKKE_RESULT_BUFFER_TOO_SMALL) {
            $size = $len->cdata;
            $buf = $ffi->new('char[' . max(1, $size) . ']');
            $rc = $call($buf, $size, FFI::addr($len));
        }
        self::check($rc, $what);
        return FFI::string($buf, $len->cdata);
    }

    /**
     * The site keys a key file's bytes hold, the one that signs first, read as
     * the command line and the example site read a key file
     * (samtykke_site_keys): printable text is one key a line (trimmed; empty
     * and `#` lines skipped), other bytes one key; 32 bytes or more each.
     * Throws Error (SAMTYKKE_RESULT_KEY_FILE_INVALID) otherwise.
     *
     * @return string[]
     */
    public static function siteKeys(string $file): array
    {
        $ffi = self::ffi();
        $hex = self::text(fn ($buf, $len, $outLen) => $ffi->samtykke_site_keys(
            self::bytes($file), strlen($file), $buf, $len, $outLen), 'key file');
        return array_map('hex2bin', self::lines($hex));
    }

    /**
     * Whether a `Sec-GPC` header value carries the Global Privacy Control
     * signal (samtykke_gpc_signal): `1`, spaces and tabs around it allowed, or,
     * for repeated headers joined with commas as `$_SERVER['HTTP_SEC_GPC']`
     * holds them, any comma-separated piece that is `1`.
     */
    public static function gpcSignal(string $value): bool
    {
        $ffi = self::ffi();
        $signal = $ffi->new('bool');
        self::check($ffi->samtykke_gpc_signal($value, strlen($value), FFI::addr($signal)), 'Sec-GPC');
        return $signal->cdata;
    }

    /**
     * The page language a request asks for (samtykke_request_lang), 'da' or
     * 'en': the query string's first `lang` field of either value
     * (`$_SERVER['QUERY_STRING']`), else the `Accept-Language` range of either
     * with the highest weight; null when the request names neither, for the
     * site's default.
     */
    public static function requestLang(string $query, string $acceptLanguage): ?string
    {
        $ffi = self::ffi();
        $lang = $ffi->new('uint32_t');
        $found = $ffi->new('bool');
        self::check($ffi->samtykke_request_lang($query, strlen($query), $acceptLanguage,
            strlen($acceptLanguage), FFI::addr($lang), FFI::addr($found)), 'request language');
        if (!$found->cdata) {
            return null;
        }
        return $lang->cdata === $ffi->SAMTYKKE_LANG_DA ? 'da' : 'en';
    }

    /**
     * Whether a decision's POST comes from the site's own pages
     * (samtykke_same_origin): `Sec-Fetch-Site`, when sent, is `same-origin` or
     * `none`; `Origin`, when sent, is an http(s) origin naming the request's
     * `Host`, or `null` beside `Sec-Fetch-Site: same-origin` (a page under
     * `Referrer-Policy: no-referrer`). Null for a header the request does not
     * have. A request with neither header passes.
     */
    public static function sameOrigin(string $host, ?string $origin, ?string $secFetchSite): bool
    {
        $ffi = self::ffi();
        $same = $ffi->new('bool');
        self::check($ffi->samtykke_same_origin($host, strlen($host), $origin, strlen($origin ?? ''),
            $secFetchSite, strlen($secFetchSite ?? ''), FFI::addr($same)), 'Origin');
        return $same->cdata;
    }

    /**
     * The consent notice's own words in $lang ('da' or 'en';
     * samtykke_notice_words), the words the tower layer's banner says: name
     * (`accept_all`, `reject_all`, `settings_intro`, …) to text.
     *
     * @return array<string, string>
     */
    public static function noticeWords(string $lang): array
    {
        $ffi = self::ffi();
        // The header's constant (`names()` would read the whole header: every page asks).
        $l = self::value('lang', $lang);
        if ($l === null) {
            throw new Error("no notice words in language '$lang'", $ffi->SAMTYKKE_RESULT_INVALID_ARGUMENT);
        }
        $json = self::text(fn ($buf, $len, $outLen) => $ffi->samtykke_notice_words($l, $buf, $len, $outLen),
            'notice words');
        return json_decode($json, true, 2, JSON_THROW_ON_ERROR);
    }

    /**
     * The decision a post asks for (samtykke_decision_form), read by the rule
     * the tower layer follows: ['action' => 'save', 'notice' => 1,
     * 'control' => 'toggle', 'granted' => ['statistics'], 'categories' => null
     * (null: all), 'consent_id' => null]. $contentType is the post's
     * `Content-Type` (`$_SERVER['CONTENT_TYPE'] ?? null`), $body its body
     * (`file_get_contents('php://input')`), $actionField the action's field.
     * Throws FormError, naming the field and the HTTP status to answer, for a
     * post that asks for no decision (415: not a form; 413: over 16 KiB).
     *
     * @return array{action: string, notice: int, control: string, granted: string[],
     *     categories: ?string[], consent_id: ?string}
     */
    public static function decisionForm(Policy $policy, ?string $contentType, string $body,
        string $actionField = 'action'): array
    {
        $ffi = self::ffi();
        $call = fn (string $fn) => fn ($buf, $len, $outLen) => $ffi->$fn($policy->handle, $contentType,
            strlen($contentType ?? ''), $body, strlen($body), $actionField, strlen($actionField), $buf, $len,
            $outLen);
        try {
            $json = self::text($call('samtykke_decision_form'), 'decision form');
        } catch (Error $e) {
            if ($e->getCode() !== $ffi->SAMTYKKE_RESULT_FORM_INVALID) {
                throw $e;
            }
            $fault = json_decode(self::text($call('samtykke_decision_form_explain'), 'decision form'),
                true, 2, JSON_THROW_ON_ERROR);
            throw new FormError($fault['message'], $e->getCode(), $fault['field'], $fault['status']);
        }
        return json_decode($json, true, 4, JSON_THROW_ON_ERROR);
    }

    /** Lines of a "one value per line" output, without the empty last one. */
    public static function lines(string $text): array
    {
        return $text === '' ? [] : explode("\n", rtrim($text, "\n"));
    }

    /**
     * `Set-Cookie` values as the library's `headers` argument takes them, one
     * a line: [the text, the place in $values of each of its lines]. A value
     * that is empty or holds a line break is left out: it is no header (the
     * library would read its pieces as headers of their own), so it is
     * withheld, as the other front ends withhold it (unparsable).
     *
     * @return array{0: string, 1: list<int>}
     */
    public static function setCookieLines(array $values): array
    {
        $lines = [];
        $places = [];
        foreach (array_values($values) as $i => $v) {
            if ($v !== '' && strpbrk($v, "\r\n") === false) {
                $lines[] = $v;
                $places[] = $i;
            }
        }
        return [implode("\n", $lines), $places];
    }
}

/** A loaded policy: immutable, loaded once per process. */
final class Policy
{
    /** @var CData samtykke_policy* */
    public CData $handle;
    private string $json;
    private ?array $document = null;
    private ?array $consentCookie = null;
    private ?array $site = null;

    private function __construct(CData $handle, string $json)
    {
        $this->handle = $handle;
        $this->json = $json;
    }

    /** Loads a policy file; a missing or broken one throws PolicyError naming it. */
    public static function load(string $path): Policy
    {
        $json = is_file($path) && is_readable($path) ? file_get_contents($path) : false;
        if ($json === false) {
            throw new PolicyError("cannot read the policy $path");
        }
        try {
            return self::fromJson($json);
        } catch (PolicyError $e) {
            throw new PolicyError("$path: " . $e->getMessage(), $e->getCode());
        }
    }

    /**
     * The loaded document as an array, for what a page displays (category ids,
     * labels and descriptions in the policy's own words); the library has
     * already validated it.
     */
    public function document(): array
    {
        return $this->document ??= json_decode($this->json, true, 64, JSON_THROW_ON_ERROR);
    }

    public function __destruct()
    {
        Lib::ffi()->samtykke_policy_free($this->handle);
    }

    /**
     * A policy owns its library handle and cannot be cloned: a clone would
     * share the handle and free it a second time. Load it again, or share the
     * object.
     */
    private function __clone()
    {
    }

    /** Loads a policy; a broken one throws with its JSON path (`storage[3].duration: …`). */
    public static function fromJson(string $json): Policy
    {
        $ffi = Lib::ffi();
        $handle = $ffi->new('samtykke_policy*');
        $rc = $ffi->samtykke_policy_from_json($json, strlen($json), FFI::addr($handle));
        if ($rc !== $ffi->SAMTYKKE_RESULT_OK) {
            [$path, $message] = self::explainError($json);
            throw new PolicyError($path === '' ? $message : "$path: $message", $rc);
        }
        return new Policy($handle, $json);
    }

    /** Why a document does not load: [JSON path, message] (empty when it loads). */
    public static function explainError(string $json): array
    {
        $ffi = Lib::ffi();
        $code = $ffi->new('uint32_t');
        $pathLen = $ffi->new('size_t');
        $messageLen = $ffi->new('size_t');
        $call = fn ($path, $pl, $message, $ml) => $ffi->samtykke_policy_explain_error(
            $json, strlen($json), FFI::addr($code), $path, $pl, FFI::addr($pathLen),
            $message, $ml, FFI::addr($messageLen));
        // Ask for both lengths first, then write both.
        $rc = $call(null, 0, null, 0);
        if ($rc === $ffi->SAMTYKKE_RESULT_BUFFER_TOO_SMALL) {
            $pl = $pathLen->cdata;
            $ml = $messageLen->cdata;
            $path = $ffi->new('char[' . max(1, $pl) . ']');
            $message = $ffi->new('char[' . max(1, $ml) . ']');
            Lib::check($call($path, $pl, $message, $ml), 'explain error');
            return [FFI::string($path, $pl), FFI::string($message, $ml)];
        }
        Lib::check($rc, 'explain error');
        return ['', ''];
    }

    /** The mask of the categories $ids (a bit per slot), for ConsentState::save and ConsentState::withdraw. */
    public function categoryMask(array $ids): int
    {
        $ffi = Lib::ffi();
        $bit = $ffi->new('uint32_t');
        $mask = 0;
        foreach ($ids as $id) {
            Lib::check($ffi->samtykke_policy_category_bit($this->handle, $id, strlen($id), FFI::addr($bit)),
                "category $id");
            $mask |= $bit->cdata;
        }
        return $mask;
    }

    /** The samtykke_provider_set of the providers $ids. */
    public function providerSet(array $ids): CData
    {
        $ffi = Lib::ffi();
        $set = $ffi->new('samtykke_provider_set');
        $one = $ffi->new('samtykke_provider_set');
        foreach ($ids as $id) {
            Lib::check($ffi->samtykke_policy_provider_bit($this->handle, $id, strlen($id), FFI::addr($one)),
                "provider $id");
            $set->bits[0] |= $one->bits[0];
            $set->bits[1] |= $one->bits[1];
        }
        return $set;
    }

    /** The consent cookie's name, Domain (null: host-only) and Max-Age. */
    public function consentCookie(): array
    {
        if ($this->consentCookie === null) {
            $ffi = Lib::ffi();
            $c = $ffi->new('samtykke_consent_cookie');
            Lib::check($ffi->samtykke_policy_consent_cookie($this->handle, FFI::addr($c)), 'consent cookie');
            $this->consentCookie = [
                'name' => FFI::string($c->name, $c->name_len),
                'domain' => $c->domain_len > 0 ? FFI::string($c->domain, $c->domain_len) : null,
                'max_age' => $c->max_age,
            ];
        }
        return $this->consentCookie;
    }

    /**
     * What a page shows about the policy, without parsing the document in PHP:
     * ['site' => 'kk.dk', 'revision' => 1, 'notice_version' => 1].
     */
    public function site(): array
    {
        if ($this->site === null) {
            $ffi = Lib::ffi();
            $c = $ffi->new('samtykke_site');
            Lib::check($ffi->samtykke_policy_site($this->handle, FFI::addr($c)), 'site');
            $this->site = [
                'site' => FFI::string($c->site, $c->site_len),
                'revision' => $c->revision,
                'notice_version' => $c->notice_version,
            ];
        }
        return $this->site;
    }

    /**
     * The cookie declaration the site publishes: $lang 'da' or 'en', $format
     * 'markdown', 'html' (a complete, styled page) or 'html-fragment' (its
     * content alone, for the site's own <main>): the names of samtykke_lang and
     * samtykke_declaration_format in the header.
     */
    public function declaration(string $lang = 'da', string $format = 'html'): string
    {
        $ffi = Lib::ffi();
        $l = array_search($lang, Lib::names('lang'), true);
        $f = array_search($format, Lib::names('declaration_format'), true);
        if ($l === false || $f === false) {
            throw new Error("no declaration in language '$lang' and format '$format'",
                $ffi->SAMTYKKE_RESULT_INVALID_ARGUMENT);
        }
        return Lib::text(fn ($buf, $len, $outLen) =>
            $ffi->samtykke_policy_declaration($this->handle, $l, $f, $buf, $len, $outLen), 'declaration');
    }

    /**
     * The proof records of a file's $text that survive the policy's retention
     * at $now (R19): [the text to keep, how many records were purged].
     */
    public function retainProofs(string $text, int $now): array
    {
        $ffi = Lib::ffi();
        $removed = $ffi->new('size_t');
        $kept = Lib::text(fn ($buf, $len, $outLen) => $ffi->samtykke_proofs_retain(
            $this->handle, $text, strlen($text), $now, $buf, $len, $outLen, FFI::addr($removed)), 'retention');
        return [$kept, (int) $removed->cdata];
    }

    /** Lint warnings: a list of ['id' => …, 'path' => …, 'message' => …]. */
    public function lint(): array
    {
        $ffi = Lib::ffi();
        $count = $ffi->new('size_t');
        Lib::check($ffi->samtykke_policy_lint_count($this->handle, FFI::addr($count)), 'lint');
        $out = [];
        $w = $ffi->new('samtykke_lint_warning');
        for ($i = 0; $i < $count->cdata; $i++) {
            Lib::check($ffi->samtykke_policy_lint_warning($this->handle, $i, FFI::addr($w)), 'lint');
            $out[] = [
                'id' => FFI::string($w->id, $w->id_len),
                'path' => FFI::string($w->path, $w->path_len),
                'message' => FFI::string($w->message, $w->message_len),
            ];
        }
        return $out;
    }
}

/**
 * One visitor's consent state. Events change it in place and return the proof
 * record as a JSON line (null for a GPC signal that refused nothing).
 */
final class ConsentState
{
    private Policy $policy;
    /** @var CData samtykke_state */
    private CData $state;

    /** The consent id in hex, for a state made by fresh() (null for a decoded one). */
    public ?string $freshId = null;

    /**
     * For a state read from a Cookie header: the index of the site key its cookie
     * verified under (0: the key that signs; above 0, an older key, so the cookie
     * is to be re-signed with the first). Null for any other state.
     */
    public ?int $keyIndex = null;

    private function __construct(Policy $policy, CData $state)
    {
        $this->policy = $policy;
        $this->state = $state;
    }

    /** The policy the state is of. */
    public function policy(): Policy
    {
        return $this->policy;
    }

    public function __clone()
    {
        $copy = Lib::ffi()->new('samtykke_state');
        FFI::memcpy($copy, $this->state, FFI::sizeof($this->state));
        $this->state = $copy;
    }

    /**
     * A new visitor: nothing is granted (R1). $idHex is the consent id as 32 hex
     * digits (a form's `consent_id`), else a fresh random one. A malformed id
     * throws CookieError.
     */
    public static function fresh(Policy $policy, ?string $idHex = null): ConsentState
    {
        $ffi = Lib::ffi();
        if ($idHex !== null && !preg_match('/\A[0-9a-f]{32}\z/', $idHex)) {
            throw new CookieError('consent_id must be 32 lowercase hex digits',
                $ffi->SAMTYKKE_RESULT_INVALID_ARGUMENT);
        }
        $raw = $idHex === null ? random_bytes(16) : hex2bin($idHex);
        $state = $ffi->new('samtykke_state');
        Lib::check($ffi->samtykke_state_init($policy->handle, Lib::bytes($raw), 16, FFI::addr($state)), 'init');
        $s = new ConsentState($policy, $state);
        $s->freshId = bin2hex($raw);
        return $s;
    }

    /**
     * The visitor's state from the consent cookie in a raw `Cookie` header
     * ($_SERVER['HTTP_COOKIE'], never $_COOKIE, which rewrites `.` and spaces in
     * names); a new visitor when it is missing, malformed or does not verify
     * under any of the keys (a string, or a list for key rotation: the first signs).
     */
    public static function fromCookieHeader(Policy $policy, string $cookieHeader, string|array|null $siteKey): ConsentState
    {
        return self::fromCookieHeaderOrNull($policy, $cookieHeader, $siteKey) ?? self::fresh($policy);
    }

    /**
     * As fromCookieHeader(), but null when the header holds no valid consent
     * cookie. The library reads the header (samtykke_state_from_cookie_header): of
     * the consent cookies sent, the first that verifies under one of the keys, in
     * order, wins; a piece of the header that is not UTF-8 or holds a control
     * character is skipped. $siteKey null reads the cookie unverified (only what
     * the browser claims); an empty list verifies nothing. The state's $keyIndex
     * says which key verified it.
     */
    public static function fromCookieHeaderOrNull(Policy $policy, string $cookieHeader, string|array|null $siteKey): ?ConsentState
    {
        if (trim($cookieHeader) === '') {
            return null;
        }
        $ffi = Lib::ffi();
        $keys = is_array($siteKey) ? array_values($siteKey) : ($siteKey === null ? null : [$siteKey]);
        $n = $keys === null ? 0 : count($keys);
        $ptrs = $lens = null;
        $bufs = [];
        if ($keys !== null) {
            // A list, even an empty one: non-NULL arrays (NULL would read unverified).
            $ptrs = $ffi->new('const uint8_t*[' . max(1, $n) . ']');
            $lens = $ffi->new('size_t[' . max(1, $n) . ']');
            foreach ($keys as $i => $k) {
                $bufs[$i] = Lib::bytes($k);
                $ptrs[$i] = $ffi->cast('const uint8_t*', $bufs[$i]);
                $lens[$i] = strlen($k);
            }
        }
        $state = $ffi->new('samtykke_state');
        $index = $ffi->new('size_t');
        $found = $ffi->new('bool');
        Lib::check($ffi->samtykke_state_from_cookie_header(
            $policy->handle, $cookieHeader, strlen($cookieHeader), $ptrs, $lens, $n,
            FFI::addr($state), FFI::addr($index), FFI::addr($found)), 'Cookie header');
        if (!$found->cdata) {
            return null;
        }
        $s = new ConsentState($policy, $state);
        $s->keyIndex = $index->cdata;
        return $s;
    }

    /** Whether two states are the same value (same bytes). */
    public function equals(ConsentState $other): bool
    {
        return FFI::string(FFI::addr($this->state), FFI::sizeof($this->state))
            === FFI::string(FFI::addr($other->state), FFI::sizeof($other->state));
    }

    /**
     * The response's `Set-Cookie` values (without `Set-Cookie: `) that may leave
     * at $now: each kept only when permitted, a kept persistent one shortened to
     * its category's consent lapse (SPEC §15), in order.
     */
    public function judgeSetCookies(array $values, int $now): array
    {
        if ($values === []) {
            return [];
        }
        $ffi = Lib::ffi();
        [$joined] = Lib::setCookieLines($values);
        return Lib::lines(Lib::text(
            fn ($buf, $len, $outLen) => $ffi->samtykke_state_judge_set_cookies(
                $this->policy->handle, FFI::addr($this->state), $joined, strlen($joined), $now,
                $buf, $len, $outLen),
            'Set-Cookie judge'
        ));
    }

    /**
     * A response's cookies in one library call, as the tower layer does them
     * (SPEC §15): $setCookies (the response's `Set-Cookie` values) judged and
     * clamped, the consent cookie issued again when this state differs from
     * $arrived (the state the request's cookie held; null for a new visitor) or
     * $reissue says an event changed it, deletions for the cookies of
     * $cookieHeader no longer permitted, and the page's storage-clearing script.
     * Returns ['headers' => Set-Cookie values to send, in order, 'present' =>
     * the cookie_present log line or null, 'set' => a cookie_set log line per
     * header, 'storage_script' => a <script> element or ''] (the log lines only
     * when $log).
     */
    public function respond(?ConsentState $arrived, ?string $siteKey, string $host, bool $secure,
                            string $cookieHeader, array $setCookies, int $now, bool $reissue, bool $log): array
    {
        $ffi = Lib::ffi();
        $key = $siteKey === null ? null : Lib::bytes($siteKey);
        [$joined] = Lib::setCookieLines($setCookies);
        $flags = ($reissue ? $ffi->SAMTYKKE_RESPOND_FLAG_REISSUE : 0) | ($log ? $ffi->SAMTYKKE_RESPOND_FLAG_LOG : 0);
        $text = Lib::text(
            fn ($buf, $len, $outLen) => $ffi->samtykke_state_respond(
                $this->policy->handle, FFI::addr($this->state), $arrived === null ? null : FFI::addr($arrived->state),
                $key, $siteKey === null ? 0 : strlen($siteKey), $host, strlen($host), $secure,
                $cookieHeader, strlen($cookieHeader), $joined, strlen($joined), $now, $flags, $buf, $len, $outLen),
            'respond'
        );
        $out = ['headers' => [], 'present' => null, 'set' => [], 'storage_script' => ''];
        foreach (Lib::lines($text) as $line) {
            $rest = substr($line, 2);
            match ($line[0]) {
                'H' => $out['headers'][] = $rest,
                'P' => $out['present'] = $rest,
                'C' => $out['set'][] = $rest,
                'S' => $out['storage_script'] = $rest,
                default => null,
            };
        }
        return $out;
    }

    /**
     * The consent cookie's `Set-Cookie` value for a response from $host (its
     * `Host` header): signed with $siteKey, `Domain` only under the policy's domain.
     */
    public function consentSetCookie(?string $siteKey, string $host, bool $secure): string
    {
        $ffi = Lib::ffi();
        $key = $siteKey === null ? null : Lib::bytes($siteKey);
        return Lib::text(
            fn ($buf, $len, $outLen) => $ffi->samtykke_state_consent_set_cookie(
                $this->policy->handle, FFI::addr($this->state), $key, $siteKey === null ? 0 : strlen($siteKey),
                $host, strlen($host), $secure, $buf, $len, $outLen),
            'consent cookie'
        );
    }

    /**
     * A line of the site's consent log (SPEC §8) for this visitor at $now;
     * $event is a name of the header's samtykke_log_event (cookie_present,
     * signal_gpc, notice_auto, notice_user, cookie_set), $text and $number as
     * it says. Throws Error (a malformed Cookie header for cookie_present).
     */
    public function logLine(string $event, int $now, string $text = '', int $number = 0): string
    {
        $ffi = Lib::ffi();
        $e = Lib::value('log_event', $event);
        if ($e === null) {
            throw new Error("no log event $event", $ffi->SAMTYKKE_RESULT_INVALID_ARGUMENT);
        }
        return Lib::text(
            fn ($buf, $len, $outLen) => $ffi->samtykke_log_line(
                $this->policy->handle, FFI::addr($this->state), $e, $now, $text, strlen($text), $number,
                $buf, $len, $outLen),
            'log line'
        );
    }

    /**
     * The `decision` log line of a decision just applied: $action a
     * samtykke_action name (accept_all, reject_all, save, withdraw), $categories
     * the granted (save) or withdrawn (withdraw; null = all) category ids.
     */
    public function logDecision(string $action, int $now, int $notice, string $control,
                                ?array $categories, bool $gpc): string
    {
        $ffi = Lib::ffi();
        $a = Lib::value('action', $action);
        $c = Lib::value('control', $control);
        if ($a === null || $c === null) {
            throw new Error("unknown action $action or control $control", $ffi->SAMTYKKE_RESULT_INVALID_ARGUMENT);
        }
        $mask = $categories === null ? 0 : $this->policy->categoryMask($categories);
        return Lib::text(
            fn ($buf, $len, $outLen) => $ffi->samtykke_log_decision(
                $this->policy->handle, FFI::addr($this->state), $now, $a, Lib::u32($notice, 'notice'), $c, $mask, $gpc,
                $buf, $len, $outLen),
            'decision line'
        );
    }

    /** The consent cookie's value (`v1.…`), signed when a site key is given. */
    public function toCookie(?string $siteKey): string
    {
        $ffi = Lib::ffi();
        $key = $siteKey === null ? null : Lib::bytes($siteKey);
        $keyLen = $siteKey === null ? 0 : strlen($siteKey);
        return Lib::text(
            fn ($buf, $len, $outLen) => $ffi->samtykke_state_to_cookie(
                $this->policy->handle, FFI::addr($this->state), $key, $keyLen, $buf, $len, $outLen),
            'consent cookie'
        );
    }

    /**
     * Google Consent Mode v2's <script> elements for the page's <head>, before
     * any Google tag: the default (every type denied but the exempt ones) and the
     * update from this state at $now; '' when the policy maps no type. $nonce:
     * a Content Security Policy nonce (base64 characters) for both elements.
     */
    public function consentModeScripts(int $now, ?string $nonce = null): string
    {
        $ffi = Lib::ffi();
        return Lib::text(
            fn ($buf, $len, $outLen) => $ffi->samtykke_state_consent_mode_scripts(
                $this->policy->handle, FFI::addr($this->state), $now, $nonce, $nonce === null ? 0 : strlen($nonce),
                $buf, $len, $outLen),
            'Consent Mode scripts'
        );
    }

    /**
     * Whether an item may be stored at $now (Unix seconds); $kind is a
     * samtykke_kind value ($ffi->SAMTYKKE_KIND_LOCAL_STORAGE, …), a cookie when null.
     */
    public function permits(string $name, int $now, ?int $kind = null): bool
    {
        return $this->permit($name, $now, $kind)['allowed'];
    }

    /** The full answer: allowed, declared, why (a reason name or null), category. */
    public function permit(string $name, int $now, ?int $kind = null): array
    {
        $ffi = Lib::ffi();
        $p = $ffi->new('samtykke_permit');
        Lib::check($ffi->samtykke_state_permits(
            $this->policy->handle, FFI::addr($this->state), Lib::u32($kind ?? $ffi->SAMTYKKE_KIND_COOKIE, 'kind'),
            $name, strlen($name), $now, FFI::addr($p)),
            "permits $name");
        static $why = null;
        $why ??= Lib::names('why');
        return [
            'allowed' => $p->allowed,
            'declared' => $p->declared,
            'why' => $why[$p->why] ?? null,
            'category' => $p->category_len > 0 ? FFI::string($p->category, $p->category_len) : null,
        ];
    }

    /**
     * A category's status at $now: ['allowed' => bool, 'exempt' => bool,
     * 'undecided' => bool (no decision in force: undecided, expired or
     * outdated; the core's grouping), 'why' => a reason name or null].
     */
    public function categoryStatus(string $category, int $now): array
    {
        $ffi = Lib::ffi();
        $p = $ffi->new('samtykke_permit');
        Lib::check($ffi->samtykke_state_category_status($this->policy->handle, FFI::addr($this->state),
            $category, strlen($category), $now, FFI::addr($p)), "category $category");
        static $why = null;
        $why ??= Lib::names('why');
        return ['allowed' => $p->allowed, 'exempt' => $p->exempt, 'undecided' => $p->undecided,
            'why' => $why[$p->why] ?? null];
    }

    /**
     * What the state records, by the names of the Python ConsentState's
     * attributes: ['consent_id' => 32 lowercase hex digits, 'decided_at' => the
     * last full decision's time or null, 'revision' => its policy revision or
     * null, 'partial_refusal_at' => a kept withdrawal's or signal's time or null,
     * 'action', 'control' => the last decision's names or null, 'notice_version'
     * => the notice it was made on or null, 'gpc' => bool, 'expires' => when the
     * first decision lapses or null]. Times are Unix seconds. For a settings
     * page ("your consent id …, given on …") or the site's own records.
     *
     * @return array{consent_id: string, decided_at: ?int, revision: ?int,
     *     partial_refusal_at: ?int, action: ?string, control: ?string,
     *     notice_version: ?int, gpc: bool, expires: ?int}
     */
    public function describe(): array
    {
        $ffi = Lib::ffi();
        $info = $ffi->new('samtykke_state_info');
        Lib::check($ffi->samtykke_state_describe(
            $this->policy->handle, FFI::addr($this->state), FFI::addr($info)), 'describe');
        static $actions = null, $controls = null;
        $actions ??= Lib::names('action');
        $controls ??= Lib::names('control');
        $decided = $info->decided;
        $acted = $info->has_action;
        return [
            'consent_id' => bin2hex(FFI::string($info->consent_id, 16)),
            'decided_at' => $decided ? $info->decided_at : null,
            'revision' => $decided ? $info->revision : null,
            'partial_refusal_at' => $info->partial_refusal ? $info->partial_refusal_at : null,
            'action' => $acted ? $actions[$info->action] : null,
            'control' => $acted ? $controls[$info->control] : null,
            'notice_version' => $acted ? $info->notice_version : null,
            'gpc' => $info->gpc,
            'expires' => $info->expires ? $info->expires_at : null,
        ];
    }

    /** Whether the banner must be shown at $now (R15, R16, R17). */
    public function promptDue(int $now): bool
    {
        $ffi = Lib::ffi();
        $due = $ffi->new('bool');
        Lib::check($ffi->samtykke_state_prompt_due(
            $this->policy->handle, FFI::addr($this->state), $now, FFI::addr($due)), 'prompt_due');
        return $due->cdata;
    }

    // $control is a samtykke_control value ($ffi->SAMTYKKE_CONTROL_TOGGLE, …); each
    // event has the usual control as its default.

    public function acceptAll(int $at, int $notice, ?int $control = null, bool $gpc = false): string
    {
        return $this->event(fn ($ffi, $proof) => $ffi->samtykke_state_accept_all(
            $this->policy->handle, FFI::addr($this->state), $at, Lib::u32($notice, 'notice'),
            Lib::u32($control ?? $ffi->SAMTYKKE_CONTROL_BUTTON, 'control'), $gpc, $proof));
    }

    public function rejectAll(int $at, int $notice, ?int $control = null, bool $gpc = false): string
    {
        return $this->event(fn ($ffi, $proof) => $ffi->samtykke_state_reject_all(
            $this->policy->handle, FFI::addr($this->state), $at, Lib::u32($notice, 'notice'),
            Lib::u32($control ?? $ffi->SAMTYKKE_CONTROL_BUTTON, 'control'), $gpc, $proof));
    }

    /** Grants exactly $categories (ids), refuses the rest and $refusedProviders (ids). */
    public function save(array $categories, int $at, int $notice, array $refusedProviders = [],
                         ?int $control = null, bool $gpc = false): string
    {
        $chosen = $this->policy->categoryMask($categories);
        $refused = $this->policy->providerSet($refusedProviders);
        return $this->event(fn ($ffi, $proof) => $ffi->samtykke_state_save(
            $this->policy->handle, FFI::addr($this->state), $chosen, FFI::addr($refused), $at,
            Lib::u32($notice, 'notice'), Lib::u32($control ?? $ffi->SAMTYKKE_CONTROL_TOGGLE, 'control'),
            $gpc, $proof));
    }

    /**
     * Withdraws $categories (ids), or every consent category when null (R11);
     * $gpc: the request carried `Sec-GPC: 1`, as its proof record says. The
     * proof line, or null when $categories names no consent category and so
     * nothing is recorded (SPEC §4).
     */
    public function withdraw(?array $categories, int $at, int $notice, ?int $control = null,
                             bool $gpc = false): ?string
    {
        $ffi = Lib::ffi();
        $proof = $ffi->new('samtykke_proof');
        $recorded = $ffi->new('bool');
        $control = Lib::u32($control ?? $ffi->SAMTYKKE_CONTROL_LINK, 'control');
        $notice = Lib::u32($notice, 'notice');
        Lib::check($categories === null
            ? $ffi->samtykke_state_withdraw_all($this->policy->handle, FFI::addr($this->state), $at, $notice,
                $control, $gpc, FFI::addr($proof), FFI::addr($recorded))
            : $ffi->samtykke_state_withdraw($this->policy->handle, FFI::addr($this->state),
                $this->policy->categoryMask($categories), $at, $notice, $control, $gpc, FFI::addr($proof),
                FFI::addr($recorded)), 'withdraw');
        return $recorded->cdata ? $this->proofJson($proof) : null;
    }

    /** A `Sec-GPC: 1` signal; the proof line, or null when it refused nothing. */
    public function signalGpc(int $at): ?string
    {
        $ffi = Lib::ffi();
        $proof = $ffi->new('samtykke_proof');
        $recorded = $ffi->new('bool');
        Lib::check($ffi->samtykke_state_signal_gpc(
            $this->policy->handle, FFI::addr($this->state), $at, FFI::addr($proof), FFI::addr($recorded)),
            'signal_gpc');
        return $recorded->cdata ? $this->proofJson($proof) : null;
    }

    /**
     * The `Set-Cookie` values (without `Set-Cookie: `) that delete what the
     * state no longer permits, for the request's host and raw Cookie header.
     */
    public function deletionHeaders(string $host, string $cookieHeader, int $now): array
    {
        return $this->deletionPlan($host, $cookieHeader, $now)['set_cookie'];
    }

    /**
     * The whole deletion plan (SPEC §6): 'set_cookie' (header values),
     * 'storage_keys' (['kind' => a kind name, 'key' => …] for the page script to
     * clear) and 'undeletable' (['name', 'category', 'domain', 'reason'] of the
     * cookies this host cannot delete).
     */
    public function deletionPlan(string $host, string $cookieHeader, int $now): array
    {
        $ffi = Lib::ffi();
        $plan = $ffi->new('samtykke_plan*');
        Lib::check($ffi->samtykke_state_deletion_plan(
            $this->policy->handle, FFI::addr($this->state), $host, strlen($host),
            $cookieHeader, strlen($cookieHeader), $now, FFI::addr($plan)), 'deletion plan');
        try {
            $counts = $ffi->new('samtykke_plan_counts');
            Lib::check($ffi->samtykke_plan_count($plan, FFI::addr($counts)), 'plan');
            $out = ['set_cookie' => [], 'storage_keys' => [], 'undeletable' => []];
            $text = $ffi->new('const char*');
            $len = $ffi->new('size_t');
            for ($i = 0; $i < $counts->set_cookie; $i++) {
                Lib::check($ffi->samtykke_plan_set_cookie($plan, $i, FFI::addr($text), FFI::addr($len)), 'plan');
                $out['set_cookie'][] = FFI::string($text, $len->cdata);
            }
            $kinds = $counts->storage_keys > 0 ? Lib::names('kind') : [];
            $key = $ffi->new('samtykke_storage_key');
            for ($i = 0; $i < $counts->storage_keys; $i++) {
                Lib::check($ffi->samtykke_plan_storage_key($plan, $i, FFI::addr($key)), 'plan');
                $out['storage_keys'][] = ['kind' => $kinds[$key->kind], 'key' => FFI::string($key->key, $key->key_len)];
            }
            $u = $ffi->new('samtykke_undeletable');
            for ($i = 0; $i < $counts->undeletable; $i++) {
                Lib::check($ffi->samtykke_plan_undeletable($plan, $i, FFI::addr($u)), 'plan');
                $out['undeletable'][] = [
                    'name' => FFI::string($u->name, $u->name_len),
                    'category' => FFI::string($u->category, $u->category_len),
                    'domain' => FFI::string($u->domain, $u->domain_len),
                    'reason' => FFI::string($u->reason, $u->reason_len),
                ];
            }
            return $out;
        } finally {
            $ffi->samtykke_plan_free($plan);
        }
    }

    /** The `Set-Cookie` values (without `Set-Cookie: `) the state permits. */
    public function filterSetCookie(array $values, int $now): array
    {
        $ffi = Lib::ffi();
        [$joined] = Lib::setCookieLines($values);
        return Lib::lines(Lib::text(
            fn ($buf, $len, $outLen) => $ffi->samtykke_state_filter_set_cookie(
                $this->policy->handle, FFI::addr($this->state), $joined, strlen($joined), $now,
                $buf, $len, $outLen),
            'Set-Cookie filter'
        ));
    }

    /**
     * The `Set-Cookie` values filterSetCookie() withholds, in order, each as
     * ['index' => its place in $values, 'reason' => the state's reason for a
     * declared cookie (`refused`, `withdrawn`, …), `undeclared` or
     * `unparsable` (an empty value or one with a line break among them),
     * 'category' => the declared cookie's category, else null]: for a log or
     * an administrator's page that says why a cookie did not go out.
     *
     * @return list<array{index: int, reason: string, category: ?string}>
     */
    public function filterSetCookieDropped(array $values, int $now): array
    {
        $ffi = Lib::ffi();
        [$joined, $places] = Lib::setCookieLines($values);
        $out = [];
        $sent = array_flip($places);
        foreach (array_keys(array_values($values)) as $i) {
            if (!isset($sent[$i])) {
                $out[$i] = ['index' => $i, 'reason' => 'unparsable', 'category' => null];
            }
        }
        $count = $ffi->new('size_t');
        $call = fn ($entries, int $cap) => $ffi->samtykke_state_filter_set_cookie_dropped(
            $this->policy->handle, FFI::addr($this->state), $joined, strlen($joined), $now,
            $entries, $cap, FFI::addr($count));
        $rc = $call(null, 0);
        if ($rc !== $ffi->SAMTYKKE_RESULT_OK) {
            if ($rc !== $ffi->SAMTYKKE_RESULT_BUFFER_TOO_SMALL) {
                Lib::check($rc, 'Set-Cookie filter');
            }
            $n = $count->cdata;
            $dropped = $ffi->new("samtykke_dropped[$n]");
            Lib::check($call($dropped, $n), 'Set-Cookie filter');
            static $why = null;
            $why ??= Lib::names('why');
            for ($i = 0; $i < $count->cdata; $i++) {
                $d = $dropped[$i];
                $at = $places[$d->index];
                $out[$at] = [
                    'index' => $at,
                    'reason' => $d->undeclared ? 'undeclared' : ($d->unparsable ? 'unparsable' : $why[$d->why]),
                    'category' => $d->category_len > 0 ? FFI::string($d->category, $d->category_len) : null,
                ];
            }
        }
        ksort($out);
        return array_values($out);
    }

    /** The proof line of $call, an event that always records. */
    private function event(callable $call): string
    {
        $ffi = Lib::ffi();
        $proof = $ffi->new('samtykke_proof');
        Lib::check($call($ffi, FFI::addr($proof)), 'event');
        return $this->proofJson($proof);
    }

    private function proofJson(CData $proof): string
    {
        $ffi = Lib::ffi();
        return Lib::text(
            fn ($buf, $len, $outLen) => $ffi->samtykke_proof_to_json(
                $this->policy->handle, FFI::addr($proof), $buf, $len, $outLen),
            'proof record'
        );
    }
}
