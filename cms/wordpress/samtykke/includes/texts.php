<?php
/*
 * The plugin's own words, in Danish and English (the categories' labels and
 * descriptions are the policy's, and the declaration is the library's).
 */
declare(strict_types=1);

namespace Samtykke\WordPress;

defined('ABSPATH') || exit;

final class Texts
{
    public const DA = [
        'title' => 'Cookies på',
        'intro' => 'Vi bruger nødvendige cookies, for at hjemmesiden virker. Andre cookies bruger vi kun, hvis du siger ja til dem. Du kan altid ændre eller tilbagekalde dit valg under »Cookieindstillinger« nederst på siden.',
        'accept_all' => 'Accepter alle',
        'reject_all' => 'Afvis alle',
        'settings' => 'Indstillinger',
        'save' => 'Gem valg',
        'settings_title' => 'Cookieindstillinger',
        'settings_intro' => 'Vælg, hvilke cookies du siger ja til. Intet er valgt på forhånd. Du kan ændre eller tilbagekalde dit valg når som helst.',
        'always_on' => 'Altid slået til',
        'status' => 'Dit valg nu',
        'granted' => 'ja',
        'refused' => 'nej',
        'undecided' => 'ikke valgt',
        'withdraw_one' => 'Tilbagekald',
        'withdraw_all' => 'Tilbagekald alt samtykke',
        'declaration' => 'Se alle cookies',
        'footer_link' => 'Cookieindstillinger',
        'close' => 'Luk',
        'skip_to_banner' => 'Gå til cookievalget',
        'unavailable' => 'Cookiesamtykke kan ikke gives på denne side lige nu.',
        'bad_request' => 'Valget kunne ikke gemmes',
        'expired' => 'formularen er udløbet eller ikke lavet af denne side; genindlæs siden og vælg igen',
        'cross_origin' => 'en formular fra en anden side afvises',
        'no_choice' => 'formularen har intet valg: accept_all, reject_all, save eller withdraw ventedes',
    ];

    public const EN = [
        'title' => 'Cookies on',
        'intro' => 'We use necessary cookies to make the website work. Other cookies are used only if you say yes to them. You can change or withdraw your choice at any time under “Cookie settings” at the bottom of the page.',
        'accept_all' => 'Accept all',
        'reject_all' => 'Reject all',
        'settings' => 'Settings',
        'save' => 'Save choices',
        'settings_title' => 'Cookie settings',
        'settings_intro' => 'Choose which cookies you say yes to. Nothing is selected in advance. You can change or withdraw your choice at any time.',
        'always_on' => 'Always on',
        'status' => 'Your choice now',
        'granted' => 'yes',
        'refused' => 'no',
        'undecided' => 'not chosen',
        'withdraw_one' => 'Withdraw',
        'withdraw_all' => 'Withdraw all consent',
        'declaration' => 'See all cookies',
        'footer_link' => 'Cookie settings',
        'close' => 'Close',
        'skip_to_banner' => 'Skip to the cookie choices',
        'unavailable' => 'Cookie consent is not available on this site right now.',
        'bad_request' => 'The choice could not be saved',
        'expired' => 'the form has expired or was not made by this site; reload the page and choose again',
        'cross_origin' => 'a cross-origin form is refused',
        'no_choice' => 'the form has no choice: expected accept_all, reject_all, save or withdraw',
    ];

    public static function get(string $lang): array
    {
        return $lang === 'da' ? self::DA : self::EN;
    }
}
