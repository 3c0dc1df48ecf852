//! The consent notice's own words, in Danish and English (SPEC §15: the
//! banner and the settings in the visitor's language; the categories' labels
//! and descriptions are the policy's). Every front end that renders a notice
//! takes them from here: the tower layer's banner and settings, and the
//! WordPress plugin through `samtykke_notice_words`. What a visitor is asked,
//! and in which words, is then the same wherever the library runs.

use crate::declare::Lang;
use crate::text::push_json_string;

macro_rules! words {
    ($($(#[$doc:meta])* $field:ident: $da:literal, $en:literal;)*) => {
        /// The notice's words in one language: [`words`].
        #[derive(Debug)]
        #[non_exhaustive]
        pub struct NoticeWords {
            $($(#[$doc])* pub $field: &'static str,)*
        }

        const DA: NoticeWords = NoticeWords { $($field: $da,)* };
        const EN: NoticeWords = NoticeWords { $($field: $en,)* };

        impl NoticeWords {
            /// Each word's name (its field's) and text, in the order above.
            pub fn entries(&self) -> impl Iterator<Item = (&'static str, &'static str)> {
                [$((stringify!($field), self.$field)),*].into_iter()
            }
        }
    };
}

words! {
    /// The banner's heading.
    title: "Cookies på", "Cookies on";
    /// The banner's text: what is used without consent, and where the choice
    /// is changed or withdrawn.
    intro: "Vi bruger nødvendige cookies, for at hjemmesiden virker. Andre cookies bruger vi kun, hvis du siger ja til dem. Du kan altid ændre eller tilbagekalde dit valg under »Cookieindstillinger« nederst på siden.",
        "We use necessary cookies to make the website work. Other cookies are used only if you say yes to them. You can change or withdraw your choice at any time under “Cookie settings” at the bottom of the page.";
    /// The button that grants every consent category.
    accept_all: "Accepter alle", "Accept all";
    /// The button that refuses every consent category, as prominent as
    /// accepting (R8).
    reject_all: "Afvis alle", "Reject all";
    /// The button that opens the per-category choice.
    settings: "Indstillinger", "Settings";
    /// The heading of the banner's own per-category form.
    choose: "Vælg selv", "Choose for yourself";
    /// The button that saves a per-category choice.
    save: "Gem valg", "Save choices";
    /// The settings' heading.
    settings_title: "Cookieindstillinger", "Cookie settings";
    /// The settings' text: nothing is chosen in advance (R1).
    settings_intro: "Vælg, hvilke cookies du siger ja til. Intet er valgt på forhånd. Du kan ændre eller tilbagekalde dit valg når som helst.",
        "Choose which cookies you say yes to. Nothing is selected in advance. You can change or withdraw your choice at any time.";
    /// Said of a category that needs no consent.
    always_on: "Altid slået til", "Always on";
    /// The heading of the visitor's present choice.
    status: "Dit valg nu", "Your choice now";
    /// A category granted.
    granted: "ja", "yes";
    /// A category refused (or withdrawn).
    refused: "nej", "no";
    /// A category with no decision in force.
    undecided: "ikke valgt", "not chosen";
    /// The heading of the withdrawal form.
    withdraw_title: "Tilbagekald samtykke", "Withdraw consent";
    /// The button that withdraws one category's consent.
    withdraw_one: "Tilbagekald", "Withdraw";
    /// The button that withdraws every consent.
    withdraw_all: "Tilbagekald alt samtykke", "Withdraw all consent";
    /// The link to the cookie declaration.
    declaration: "Se alle cookies", "See all cookies";
    /// The footer link that reopens the settings.
    footer_link: "Cookieindstillinger", "Cookie settings";
    /// The skip link to the banner, first on the page.
    skip_to_banner: "Gå til cookievalget", "Skip to the cookie choices";
}

/// The notice's words in `lang`.
pub fn words(lang: Lang) -> &'static NoticeWords {
    match lang {
        Lang::Da => &DA,
        Lang::En => &EN,
    }
}

/// The notice's words in `lang` as one JSON object of name to text (the
/// names of [`NoticeWords`]' fields), for a front end in another language.
///
/// ```
/// use samtykke_host::declare::Lang;
/// let json = samtykke_host::notice::words_json(Lang::Da);
/// assert!(json.contains(r#""reject_all":"Afvis alle""#));
/// ```
pub fn words_json(lang: Lang) -> String {
    let mut out = String::from("{");
    for (i, (name, text)) in words(lang).entries().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_json_string(&mut out, name, false);
        out.push(':');
        push_json_string(&mut out, text, false);
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both languages have every word, none empty, and no word is left
    /// untranslated.
    #[test]
    fn every_word_is_there_in_both_languages() {
        let da: Vec<_> = words(Lang::Da).entries().collect();
        let en: Vec<_> = words(Lang::En).entries().collect();
        assert_eq!(da.len(), 20);
        assert_eq!(da.len(), en.len());
        for ((name, d), (name_en, e)) in da.iter().zip(&en) {
            assert_eq!(name, name_en);
            assert!(!d.trim().is_empty() && !e.trim().is_empty(), "{name}");
            assert_ne!(d, e, "{name}");
        }
    }

    /// The JSON form holds each word under its name, and parses.
    #[test]
    fn the_json_form_holds_every_word() {
        for lang in [Lang::Da, Lang::En] {
            let v: serde_json::Value = serde_json::from_str(&words_json(lang)).unwrap();
            let map = v.as_object().unwrap();
            assert_eq!(map.len(), words(lang).entries().count());
            for (name, text) in words(lang).entries() {
                assert_eq!(map[name], text);
            }
        }
    }
}
