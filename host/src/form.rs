//! A decision's form (SPEC §15): what a banner's or the settings' `POST` asks
//! for, read by one rule for every front end that takes decisions from a form
//! (the tower layer's consent endpoint, the WordPress plugin through
//! `samtykke_decision_form`).
//!
//! The post's `Content-Type` is `application/x-www-form-urlencoded` (any
//! parameters, such as `charset`, aside; the name in any case), else the post
//! is not a form ([`FormError::MediaType`], a `415`). The body has at most
//! [`MAX_FORM`] bytes ([`FormError::TooLarge`], a `413`). Its fields:
//!
//! - the action (`action` for the tower layer; WordPress routes on `action`, so
//!   its forms name it `choice`): `accept_all`, `reject_all`, `save` or
//!   `withdraw`;
//! - `granted`, repeated, for `save`: the categories granted;
//! - `categories`, repeated, for `withdraw`: the categories withdrawn (none:
//!   every consent category);
//! - `notice`: the notice version the form was shown under (absent or empty:
//!   the policy's `notice_version`), a number in 1..=65535;
//! - `control`: `button`, `toggle`, `link` or `icon` (absent or empty: `toggle`
//!   for `save`, `link` for `withdraw`, else `button`);
//! - `consent_id`: 32 hex digits, the id the notice was shown under (absent or
//!   empty: none).
//!
//! A list field may also be written `granted[]`/`categories[]` (PHP's form
//! convention), and an empty value in it is skipped (a button that withdraws
//! everything sends `categories[]=`). A category that needs no consent (basis
//! `exempt`, such as `necessary`) is left out of `granted`, where it changes
//! nothing, and refused in `categories`, which it would otherwise empty into
//! "every category". Of a single field sent twice, the last counts. Other
//! fields are the page's and are left alone. Anything else is a [`FormError`]
//! naming the field, which a front end answers with [`FormError::status`]
//! (`400` for a field); the post is checked in the order `Content-Type`, size,
//! action, `notice`, `control`, `consent_id`, `granted`, `categories`, and a
//! value repeated in a message is cut to 64 characters.

use samtykke::{Action, Basis, CategorySet, Code, ConsentId, Control, ValidPolicy};

use crate::http::trim_ows;
use crate::text::push_json_string;

/// The most bytes a decision's form may have: 16 KiB. A banner's or the
/// settings' form is well under 1 KiB.
pub const MAX_FORM: usize = 16 * 1024;

/// The media type of a form post.
const FORM_TYPE: &str = "application/x-www-form-urlencoded";

/// The decision a form asks for: [`read_decision_form`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecisionForm {
    /// `AcceptAll`, `RejectAll`, `Save` or `Withdraw`.
    pub action: Action,
    /// The notice version the form was shown under.
    pub notice: u16,
    /// How the visitor chose.
    pub control: Control,
    /// For `save`: the consent categories granted (the rest are refused).
    pub granted: CategorySet,
    /// For `withdraw`: the categories withdrawn; `None`: every consent category.
    pub categories: Option<CategorySet>,
    /// The consent id the notice was shown under, when the form carries one
    /// (honoured for a visitor without a valid consent cookie only).
    pub consent_id: Option<ConsentId>,
}

impl DecisionForm {
    /// The decision as one JSON object, for a front end in another language:
    /// `{"action":"save","notice":1,"control":"toggle","granted":["statistics"],
    /// "categories":null,"consent_id":null}`. `granted` and `categories` list
    /// category ids in the policy's order (`categories` null: every consent
    /// category); `consent_id` is 32 lowercase hex digits or null.
    pub fn to_json(&self, policy: &ValidPolicy<'_>) -> String {
        let ids = |out: &mut String, set: CategorySet| {
            out.push('[');
            let chosen = policy
                .policy()
                .categories
                .iter()
                .filter(|c| set.contains(c.slot));
            for (i, c) in chosen.enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_json_string(out, c.id, false);
            }
            out.push(']');
        };
        let mut out = String::from("{\"action\":");
        push_json_string(&mut out, self.action.as_str(), false);
        out.push_str(&format!(",\"notice\":{},\"control\":", self.notice));
        push_json_string(&mut out, self.control.as_str(), false);
        out.push_str(",\"granted\":");
        ids(&mut out, self.granted);
        out.push_str(",\"categories\":");
        match self.categories {
            Some(set) => ids(&mut out, set),
            None => out.push_str("null"),
        }
        out.push_str(",\"consent_id\":");
        match self.consent_id {
            Some(id) => push_json_string(&mut out, &format!("{:032x}", id.0), false),
            None => out.push_str("null"),
        }
        out.push('}');
        out
    }
}

/// Why a form is not a decision: the field and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FormError {
    /// The post's `Content-Type` is not a form's (`None`: none was sent).
    #[error("a decision is a form: `Content-Type` must be application/x-www-form-urlencoded, {}", .0.as_deref().map_or_else(|| "and none was sent".to_owned(), |t| format!("not {t:?}")))]
    MediaType(Option<String>),
    /// The body is over [`MAX_FORM`] bytes.
    #[error("the form is over {MAX_FORM} bytes")]
    TooLarge,
    /// The form has no action.
    #[error("the form has no `{0}`")]
    NoAction(String),
    /// The action is not one a form takes.
    #[error("unknown `{field}` {value:?}: expected one of accept_all, reject_all, save, withdraw")]
    UnknownAction {
        /// The action's field.
        field: String,
        /// What it held.
        value: String,
    },
    /// `notice` is not a version number.
    #[error("`notice` must be a version number in 1..=65535, not {0:?}")]
    Notice(String),
    /// `control` is not one a form takes.
    #[error("unknown `control` {0:?}: expected one of button, toggle, link, icon")]
    Control(String),
    /// A category the policy does not declare.
    #[error("unknown category {id:?} in `{field}`")]
    Category {
        /// `granted` or `categories`.
        field: &'static str,
        /// The id sent.
        id: String,
    },
    /// A category that needs no consent named in `categories`: nothing to
    /// withdraw.
    #[error("category {id:?} in `{field}` needs no consent: there is nothing to withdraw")]
    Exempt {
        /// `categories`.
        field: &'static str,
        /// The id sent.
        id: String,
    },
    /// `consent_id` is not 32 hex digits.
    #[error("`consent_id` must be 32 hex digits, not {0:?}")]
    ConsentId(String),
}

impl FormError {
    /// The core's code: [`Code::FormInvalid`].
    pub fn code(&self) -> Code {
        Code::FormInvalid
    }

    /// The HTTP status a front end answers with: `415` for a post that is not
    /// a form, `413` for one over [`MAX_FORM`] bytes, else `400`.
    pub fn status(&self) -> u16 {
        match self {
            FormError::MediaType(_) => 415,
            FormError::TooLarge => 413,
            _ => 400,
        }
    }

    /// The error as one JSON object,
    /// `{"field":"notice","status":400,"message":"…"}`, for a front end in
    /// another language.
    pub fn to_json(&self) -> String {
        let mut out = String::from("{\"field\":");
        push_json_string(&mut out, self.field(), false);
        out.push_str(&format!(",\"status\":{},\"message\":", self.status()));
        push_json_string(&mut out, &self.to_string(), false);
        out.push('}');
        out
    }

    /// The field at fault (the action's field for a missing or unknown action;
    /// `Content-Type` for a post that is not a form; `body` for one too large).
    pub fn field(&self) -> &str {
        match self {
            FormError::MediaType(_) => "Content-Type",
            FormError::TooLarge => "body",
            FormError::NoAction(field) | FormError::UnknownAction { field, .. } => field,
            FormError::Notice(_) => "notice",
            FormError::Control(_) => "control",
            FormError::Category { field, .. } | FormError::Exempt { field, .. } => field,
            FormError::ConsentId(_) => "consent_id",
        }
    }
}

/// The decision a post asks for under `policy`: its `Content-Type` header's
/// value (`None`: none was sent), its `body`, and the field its action is read
/// from, `action_field` (see the module's documentation for the fields).
///
/// ```
/// use samtykke::{Action, Control};
/// use samtykke_host::form::read_decision_form;
///
/// let mut index = [0u16; 16];
/// let policy = samtykke::example::KK_DK.validate(&mut index).unwrap();
/// let post = Some(&b"application/x-www-form-urlencoded"[..]);
/// let form = read_decision_form(&policy, post, b"action=save&granted=statistics&notice=1", "action").unwrap();
/// assert_eq!((form.action, form.control), (Action::Save, Control::Toggle));
/// assert_eq!(form.granted, policy.category_set(&["statistics"]).unwrap());
/// let bad = read_decision_form(&policy, post, b"choice=scroll", "choice").unwrap_err();
/// assert_eq!((bad.field(), bad.status()), ("choice", 400));
/// let json = read_decision_form(&policy, Some(b"application/json"), b"{}", "action").unwrap_err();
/// assert_eq!((json.field(), json.status()), ("Content-Type", 415));
/// ```
///
/// # Errors
///
/// A [`FormError`] naming the first fault: a post that is not a form or is
/// over [`MAX_FORM`] bytes, no action or an unknown one, a bad `notice`,
/// `control` or `consent_id`, or a category the policy does not declare.
pub fn read_decision_form(
    policy: &ValidPolicy<'_>,
    content_type: Option<&[u8]>,
    body: &[u8],
    action_field: &str,
) -> Result<DecisionForm, FormError> {
    check_form_type(content_type)?;
    if body.len() > MAX_FORM {
        return Err(FormError::TooLarge);
    }
    let mut action = None;
    let mut granted = Vec::new();
    let mut categories = Vec::new();
    let (mut notice, mut control, mut consent_id) = (None, None, None);
    for (k, v) in form_urlencoded::parse(body) {
        if k == action_field {
            action = Some(v);
            continue;
        }
        match k.strip_suffix("[]").unwrap_or(&k) {
            "granted" => granted.push(v),
            "categories" => categories.push(v),
            "notice" => notice = Some(v),
            "control" => control = Some(v),
            "consent_id" => consent_id = Some(v),
            _ => {}
        }
    }
    let action = match action.as_deref() {
        None => return Err(FormError::NoAction(action_field.to_owned())),
        Some(a) => match Action::parse(a) {
            Some(a @ (Action::AcceptAll | Action::RejectAll | Action::Save | Action::Withdraw)) => {
                a
            }
            _ => {
                return Err(FormError::UnknownAction {
                    field: action_field.to_owned(),
                    value: cut(a),
                })
            }
        },
    };
    // The consent categories named, empty values skipped; an exempt one is
    // left out (`granted`) or refused (`categories`).
    let set = |field: &'static str, ids: &[std::borrow::Cow<'_, str>], withdrawn: bool| {
        let mut set = CategorySet::EMPTY;
        for id in ids.iter().filter(|id| !id.is_empty()) {
            let Some((_, c)) = policy.category(id) else {
                return Err(FormError::Category { field, id: cut(id) });
            };
            match c.basis {
                Basis::Consent => set = set.with(c.slot),
                _ if withdrawn => return Err(FormError::Exempt { field, id: cut(id) }),
                _ => {}
            }
        }
        Ok(set)
    };
    let notice = match notice.as_deref() {
        None | Some("") => policy.policy().notice_version,
        // Digits only (`u16`'s parser also takes a `+`).
        Some(n) => Some(n)
            .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|n| n.parse::<u16>().ok())
            .filter(|&v| v > 0)
            .ok_or_else(|| FormError::Notice(cut(n)))?,
    };
    let control = match control.as_deref() {
        None | Some("") => match action {
            Action::Save => Control::Toggle,
            Action::Withdraw => Control::Link,
            _ => Control::Button,
        },
        Some(c) => match Control::parse(c) {
            Some(c) if c.is_user_control() => c,
            _ => return Err(FormError::Control(cut(c))),
        },
    };
    let consent_id = match consent_id.as_deref() {
        None | Some("") => None,
        Some(hex) => Some(ConsentId::parse(hex).ok_or_else(|| FormError::ConsentId(cut(hex)))?),
    };
    Ok(DecisionForm {
        action,
        notice,
        control,
        granted: if action == Action::Save {
            set("granted", &granted, false)?
        } else {
            CategorySet::EMPTY
        },
        categories: match action {
            Action::Withdraw if categories.iter().any(|c| !c.is_empty()) => {
                Some(set("categories", &categories, true)?)
            }
            _ => None,
        },
        consent_id,
    })
}

/// Whether a post's `Content-Type` header's value (`None`: none was sent) is a
/// form's, the first check of [`read_decision_form`]: for a host that would
/// rather not read the body of a post that is not a form.
///
/// # Errors
///
/// [`FormError::MediaType`] unless the media type, what comes before any
/// parameter without the whitespace around it (RFC 9110 §8.3.1), is
/// `application/x-www-form-urlencoded` in any case.
pub fn check_form_type(content_type: Option<&[u8]>) -> Result<(), FormError> {
    let media_type = content_type.map(|t| {
        let end = t.iter().position(|&b| b == b';').unwrap_or(t.len());
        trim_ows(&t[..end])
    });
    if media_type.is_some_and(|t| t.eq_ignore_ascii_case(FORM_TYPE.as_bytes())) {
        Ok(())
    } else {
        Err(FormError::MediaType(
            content_type.map(|t| cut(&String::from_utf8_lossy(t))),
        ))
    }
}

/// `s` for a message: at most 64 characters, `…` marking a cut.
fn cut(s: &str) -> String {
    match s.char_indices().nth(64) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const FORM: &str = "application/x-www-form-urlencoded";

    /// `s` with its ASCII letters' case flipped where `flips` has a 1 bit.
    fn recased(s: &str, flips: u64) -> String {
        s.chars()
            .enumerate()
            .map(|(i, c)| {
                if flips >> (i % 64) & 1 == 1 {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]

        /// The form's media type in any case, with spaces and tabs around it
        /// and any parameters after `;`, is a form.
        #[test]
        fn s13_the_form_type_in_any_case_with_any_parameters_is_a_form(
            flips in any::<u64>(),
            before in "[ \t]{0,3}",
            after in "[ \t]{0,3}",
            params in proptest::option::of("[ -~]{0,40}"),
        ) {
            let mut t = format!("{before}{}{after}", recased(FORM, flips));
            if let Some(p) = params {
                t.push(';');
                t.push_str(&p);
            }
            prop_assert_eq!(check_form_type(Some(t.as_bytes())), Ok(()), "{:?}", t);
        }

        /// Any other bytes are not a form, and the error names the header
        /// with a 415; nothing panics.
        #[test]
        fn s13_anything_else_is_not_a_form(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            // The oracle: the bytes before the first `;`, without spaces and
            // tabs around them, lowercased, are exactly the form's type.
            let head = bytes.split(|&b| b == b';').next().unwrap_or_default();
            let text = String::from_utf8_lossy(head).to_ascii_lowercase();
            let is_form = text.trim_matches(|c| c == ' ' || c == '\t') == FORM;
            match check_form_type(Some(&bytes)) {
                Ok(()) => prop_assert!(is_form, "{:?}", bytes),
                Err(e) => {
                    prop_assert!(!is_form, "{:?}", bytes);
                    prop_assert_eq!((e.field(), e.status()), ("Content-Type", 415));
                }
            }
        }
    }

    #[test]
    fn s13_no_content_type_is_not_a_form_and_says_so() {
        let e = check_form_type(None).unwrap_err();
        assert_eq!(e.status(), 415);
        assert!(e.to_string().ends_with("and none was sent"), "{e}");
        let e = check_form_type(Some(b"text/plain")).unwrap_err();
        assert!(e.to_string().ends_with(", not \"text/plain\""), "{e}");
    }
}
