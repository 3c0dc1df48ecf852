//! Closed vocabularies (kinds, actions, controls, reasons, policy fields): one
//! declaration gives each its numeric code, its name in JSON and logs, `ALL`,
//! `parse`, `Display` and `TryFrom<u32>`, so the C and Python layers convert inputs
//! the same way. Exported, so the host declares its own vocabularies (lint ids,
//! violation ids) the same way.

/// Declares a closed vocabulary: a `#[repr(u8)]` enum whose variants each have a
/// number and a name, with `ALL`, `as_str`, `parse`, `Display` and
/// `TryFrom<u32>` (an unknown number is [`Code::InvalidArgument`](crate::Code)).
///
/// ```
/// samtykke::vocabulary! {
///     /// A colour.
///     pub enum Colour ("colour") {
///         /// Red.
///         Red = 0 => "red",
///         /// Green.
///         Green = 1 => "green",
///     }
/// }
/// assert_eq!(Colour::parse("green"), Some(Colour::Green));
/// assert_eq!(Colour::Red.to_string(), "red");
/// assert_eq!(Colour::ALL.len(), 2);
/// ```
#[macro_export]
macro_rules! vocabulary {
    (@one $x:ident) => { 1 };
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal => $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum $name {
            $( $(#[$vmeta])* $variant = $code, )+
        }

        impl $name {
            #[doc = concat!("Every ", $what, ", in code order.")]
            pub const ALL: [$name; 0 $(+ $crate::vocabulary!(@one $variant))+] = [$($name::$variant),+];

            #[doc = concat!("The ", $what, "'s name in policies, proof records and logs.")]
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            #[doc = concat!("The ", $what, " named `s`.")]
            pub fn parse(s: &str) -> ::core::option::Option<$name> {
                $name::ALL.into_iter().find(|v| v.as_str() == s)
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::core::convert::TryFrom<u32> for $name {
            type Error = $crate::Code;

            /// The value with this numeric code; `Code::InvalidArgument` for any
            /// other number.
            fn try_from(v: u32) -> ::core::result::Result<Self, Self::Error> {
                $name::ALL
                    .into_iter()
                    .find(|x| *x as u32 == v)
                    .ok_or($crate::Code::InvalidArgument)
            }
        }
    };
}
