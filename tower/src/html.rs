//! The consent notice as plain HTML forms that work without JavaScript: the
//! banner (first layer) and the settings (second layer), in Danish or English,
//! with texts from the policy. Every choice is a `<button>` of the same class, so
//! Accept all, Reject all and Settings are equally prominent (R8); no box is
//! ticked in advance (R1); each form posts to the consent endpoint and carries the
//! visitor's consent id as `consent_id` (SPEC §15). The words are the host's
//! ([`samtykke_host::notice`]), as every front end's are.

use std::fmt::Write;

use samtykke::{Basis, Status};
use samtykke_host::declare::Lang;
use samtykke_host::notice::words;

use crate::Consent;

pub use samtykke_host::declare::html_escape as escape;

/// The text of the footer link that reopens the settings, in `lang`
/// ("Cookieindstillinger", "Cookie settings").
pub fn footer_link_text(lang: Lang) -> &'static str {
    words(lang).footer_link
}

/// The hidden fields every form carries: the consent id (honoured for a new
/// visitor only), the notice version shown (R7) and the language.
fn hidden(consent: &Consent, control: &str) -> String {
    let p = consent.policy();
    format!(
        "<input type=\"hidden\" name=\"consent_id\" value=\"{}\">\
         <input type=\"hidden\" name=\"notice\" value=\"{}\">\
         <input type=\"hidden\" name=\"control\" value=\"{control}\">\
         <input type=\"hidden\" name=\"lang\" value=\"{}\">",
        consent.consent_id(),
        p.policy().notice_version,
        consent.lang().as_str(),
    )
}

/// The per-category checkboxes, none ticked, each with its label and description.
fn category_choices(consent: &Consent, lang: Lang, id_prefix: &str) -> String {
    let policy = consent.policy();
    let mut out = String::new();
    for c in policy.consent_categories() {
        let id = format!("{id_prefix}-{}", escape(c.id));
        let _ = write!(
            out,
            "<div class=\"samtykke-choice\"><input type=\"checkbox\" id=\"{id}\" name=\"granted\" value=\"{}\">\
             <label for=\"{id}\"><strong>{}</strong><span>{}</span></label></div>",
            escape(c.id),
            escape(c.label.get(lang.as_str())),
            escape(c.description.get(lang.as_str())),
        );
    }
    out
}

/// The banner (first layer): a heading, a short text, Accept all, Reject all and
/// Settings as three buttons of one class, and a per-category form ("Choose for
/// yourself") with nothing ticked. Render it when [`Consent::prompt_due`], and
/// return [`NoticeShown::BANNER`](crate::NoticeShown::BANNER) with the page so
/// the notice is logged.
pub fn banner(consent: &Consent) -> String {
    let lang = consent.lang();
    let w = words(lang);
    let policy = consent.policy();
    let endpoint = escape(consent.endpoint());
    format!(
        "<section class=\"samtykke-banner\" id=\"samtykke-banner\" role=\"region\" aria-labelledby=\"samtykke-title\" lang=\"{lang}\">\
         <h2 id=\"samtykke-title\">{title} {site}</h2>\
         <p>{intro}</p>\
         <div class=\"samtykke-buttons\">\
         <form method=\"post\" action=\"{endpoint}\">{hidden}\
         <button type=\"submit\" class=\"samtykke-button\" name=\"action\" value=\"accept_all\">{accept}</button>\
         <button type=\"submit\" class=\"samtykke-button\" name=\"action\" value=\"reject_all\">{reject}</button>\
         </form>\
         <form method=\"get\" action=\"{endpoint}\">\
         <button type=\"submit\" class=\"samtykke-button\" name=\"lang\" value=\"{lang}\">{settings}</button>\
         </form>\
         </div>\
         <details class=\"samtykke-details\"><summary>{choose}</summary>\
         <form method=\"post\" action=\"{endpoint}\">{hidden_toggle}\
         <fieldset><legend>{choose}</legend>{choices}</fieldset>\
         <button type=\"submit\" class=\"samtykke-button\" name=\"action\" value=\"save\">{save}</button>\
         </form></details>\
         </section>",
        lang = lang.as_str(),
        title = w.title,
        site = escape(policy.policy().site),
        intro = w.intro,
        hidden = hidden(consent, "button"),
        hidden_toggle = hidden(consent, "toggle"),
        accept = w.accept_all,
        reject = w.reject_all,
        settings = w.settings,
        choose = w.choose,
        choices = category_choices(consent, lang, "samtykke-banner"),
        save = w.save,
    )
}

/// The settings (second layer): each consent category with the visitor's choice
/// now, the per-category form with nothing ticked (Save, Accept all, Reject all),
/// and, for each category granted now, a button that withdraws it, and one that
/// withdraws all. The [`ConsentEndpoint`](crate::ConsentEndpoint) serves it at
/// `GET /consent`.
pub fn settings(consent: &Consent) -> String {
    let lang = consent.lang();
    let w = words(lang);
    let policy = consent.policy();
    let now = consent.now();
    let endpoint = escape(consent.endpoint());
    let mut status = String::new();
    let mut withdraw = String::new();
    for c in policy.policy().categories {
        let (text, granted) = match (c.basis, consent.state().category_status(&policy, c, now)) {
            (Basis::Exempt, _) => (w.always_on, false),
            (_, Status::Granted) => (w.granted, true),
            (_, Status::Denied(why)) if why.is_undecided() => (w.undecided, false),
            _ => (w.refused, false),
        };
        let _ = write!(
            status,
            "<tr><th scope=\"row\">{}</th><td>{text}</td></tr>",
            escape(c.label.get(lang.as_str()))
        );
        if granted {
            let _ = write!(
                withdraw,
                "<form method=\"post\" action=\"{endpoint}\">{}\
                 <input type=\"hidden\" name=\"categories\" value=\"{}\">\
                 <button type=\"submit\" class=\"samtykke-button\" name=\"action\" value=\"withdraw\">{}: {}</button></form>",
                hidden(consent, "button"),
                escape(c.id),
                w.withdraw_one,
                escape(c.label.get(lang.as_str())),
            );
        }
    }
    let withdraw = if withdraw.is_empty() {
        String::new()
    } else {
        format!(
            "<h2>{title}</h2><div class=\"samtykke-buttons\">{withdraw}\
             <form method=\"post\" action=\"{endpoint}\">{hidden}\
             <button type=\"submit\" class=\"samtykke-button\" name=\"action\" value=\"withdraw\">{all}</button></form></div>",
            title = w.withdraw_title,
            hidden = hidden(consent, "button"),
            all = w.withdraw_all,
        )
    };
    format!(
        "<section class=\"samtykke-settings\" lang=\"{lang}\">\
         <h1>{title}</h1><p>{intro}</p>\
         <table class=\"samtykke-status\"><caption>{status_caption}</caption><tbody>{status}</tbody></table>\
         <form method=\"post\" action=\"{endpoint}\">{hidden}\
         <fieldset><legend>{choose}</legend>{choices}</fieldset>\
         <div class=\"samtykke-buttons\">\
         <button type=\"submit\" class=\"samtykke-button\" name=\"action\" value=\"save\">{save}</button>\
         <button type=\"submit\" class=\"samtykke-button\" name=\"action\" value=\"accept_all\">{accept}</button>\
         <button type=\"submit\" class=\"samtykke-button\" name=\"action\" value=\"reject_all\">{reject}</button>\
         </div></form>{withdraw}\
         </section>",
        lang = lang.as_str(),
        title = w.settings_title,
        intro = w.settings_intro,
        status_caption = w.status,
        hidden = hidden(consent, "toggle"),
        choose = w.choose,
        choices = category_choices(consent, lang, "samtykke-settings"),
        save = w.save,
        accept = w.accept_all,
        reject = w.reject_all,
    )
}

/// The words of the link to the declaration page ("See all cookies").
pub fn declaration_link_text(lang: Lang) -> &'static str {
    words(lang).declaration
}

/// A link to put first in the page's `<body>` when it shows the [`banner`]: the
/// banner stays at the end of the page (it sticks to the bottom of the window),
/// and keyboard and screen-reader users reach it from here first. Hidden until
/// it has the focus.
pub fn skip_to_banner(lang: Lang) -> String {
    format!(
        "<a class=\"samtykke-skip\" href=\"#samtykke-banner\">{}</a>",
        words(lang).skip_to_banner
    )
}

/// A small stylesheet for the banner and the settings: readable on a phone,
/// buttons of equal size and weight, a visible focus ring.
pub const STYLESHEET: &str = "\
.samtykke-skip{position:absolute;left:-999rem;top:.5rem;padding:.5rem 1rem;background:#fff;color:#1a4f8b;z-index:10}\
.samtykke-skip:focus{left:.5rem}\
.samtykke-banner{position:sticky;bottom:0;background:#fff;border-top:3px solid #1a4f8b;padding:1rem 1.25rem;box-shadow:0 -2px 12px rgba(0,0,0,.15);max-width:100%}\
.samtykke-banner h2{margin:.2rem 0 .5rem;font-size:1.25rem}\
.samtykke-buttons{display:flex;flex-wrap:wrap;gap:.5rem;margin:.75rem 0}\
.samtykke-buttons form{display:contents}\
.samtykke-button{font:inherit;font-weight:600;min-width:10rem;padding:.6rem 1rem;border:2px solid #1a4f8b;border-radius:4px;background:#1a4f8b;color:#fff;cursor:pointer}\
.samtykke-button:hover{background:#123a66}\
.samtykke-button:focus-visible,.samtykke-choice input:focus-visible,summary:focus-visible,a:focus-visible{outline:3px solid #f5a623;outline-offset:2px}\
.samtykke-choice{display:flex;gap:.6rem;align-items:flex-start;margin:.5rem 0}\
.samtykke-choice input{width:1.3rem;height:1.3rem;margin-top:.15rem;flex:none}\
.samtykke-choice label span{display:block;font-size:.95rem}\
.samtykke-details summary{cursor:pointer;padding:.3rem 0;text-decoration:underline}\
fieldset{border:1px solid #ccc;border-radius:4px;margin:.5rem 0}\
.samtykke-status{border-collapse:collapse;margin:.75rem 0}\
.samtykke-status th,.samtykke-status td{text-align:left;padding:.3rem .8rem .3rem 0;border-bottom:1px solid #ddd}\
.samtykke-status caption{text-align:left;font-weight:600}\
@media (max-width:480px){.samtykke-button{flex:1 1 100%}}";

/// A complete page around `body`: `<!doctype html>`, `lang`, the viewport, the
/// [`STYLESHEET`], `title`, and `extra_head` (more `<style>` or `<meta>`).
pub fn page(lang: Lang, title: &str, extra_head: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>body{{font-family:system-ui,sans-serif;line-height:1.5;margin:0;color:#1b1b1b}}\
         main{{max-width:46rem;margin:0 auto;padding:1rem 1.25rem}}{STYLESHEET}</style>{extra_head}</head>\
         <body>{body}</body></html>\n",
        lang.as_str(),
        escape(title),
    )
}

/// The settings page's title in `lang`.
pub(crate) fn settings_title(lang: Lang) -> &'static str {
    words(lang).settings_title
}
