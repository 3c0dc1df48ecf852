<?php
/*
 * The plugin's words, in Danish and English: the consent notice's are the
 * library's (samtykke_notice_words, the words the tower layer's banner says
 * too), the error pages' are the plugin's own. The categories' labels and
 * descriptions are the policy's, and the declaration is the library's.
 */
declare(strict_types=1);

namespace Samtykke\WordPress;

use Samtykke\Lib;

defined('ABSPATH') || exit;

final class Texts
{
    /** The plugin's own words: its error pages. */
    private const OWN = [
        'da' => [
            'unavailable' => 'Cookiesamtykke kan ikke gives på denne side lige nu.',
            'bad_request' => 'Valget kunne ikke gemmes',
            'expired' => 'formularen er udløbet eller ikke lavet af denne side; genindlæs siden og vælg igen',
            'cross_origin' => 'en formular fra en anden side afvises',
            'no_choice' => 'formularen har intet valg: accept_all, reject_all, save eller withdraw ventedes',
            'not_a_form' => 'et valg sendes som application/x-www-form-urlencoded',
            'too_large' => 'formularen er over 16 KiB',
        ],
        'en' => [
            'unavailable' => 'Cookie consent is not available on this site right now.',
            'bad_request' => 'The choice could not be saved',
            'expired' => 'the form has expired or was not made by this site; reload the page and choose again',
            'cross_origin' => 'a cross-origin form is refused',
            'no_choice' => 'the form has no choice: expected accept_all, reject_all, save or withdraw',
            'not_a_form' => 'a choice is sent as application/x-www-form-urlencoded',
            'too_large' => 'the form is over 16 KiB',
        ],
    ];

    /** @var array<string, array<string, string>> the words of each language asked for */
    private static array $words = [];

    /**
     * The words in $lang ('da', else English): the notice's from the library,
     * the plugin's own beside them. Without the library (its failure is on the
     * admin notice), the plugin's own alone, for its error pages.
     *
     * @return array<string, string>
     */
    public static function get(string $lang): array
    {
        $lang = $lang === 'da' ? 'da' : 'en';
        if (!isset(self::$words[$lang])) {
            try {
                $notice = Lib::noticeWords($lang);
            } catch (\Throwable $e) {
                // Asked once a request: the library does not come back.
                $notice = [];
            }
            self::$words[$lang] = $notice + self::OWN[$lang];
        }
        return self::$words[$lang];
    }
}
