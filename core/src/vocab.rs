//! Closed vocabularies (kinds, actions, controls, reasons): one declaration gives
//! each its numeric code, its name in JSON and logs, `ALL`, `parse` and
//! `TryFrom<u32>`, so the C and Python layers convert inputs the same way.

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
            pub const ALL: [$name; 0 $(+ vocabulary!(@one $variant))+] = [$($name::$variant),+];

            #[doc = concat!("The ", $what, "'s name in policies, proof records and logs.")]
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            #[doc = concat!("The ", $what, " named `s`.")]
            pub fn parse(s: &str) -> Option<$name> {
                $name::ALL.into_iter().find(|v| v.as_str() == s)
            }
        }

        impl TryFrom<u32> for $name {
            type Error = crate::Code;

            /// The value with this numeric code; [`crate::Code::InvalidArgument`]
            /// for any other number.
            fn try_from(v: u32) -> Result<Self, Self::Error> {
                $name::ALL
                    .into_iter()
                    .find(|x| *x as u32 == v)
                    .ok_or(crate::Code::InvalidArgument)
            }
        }
    };
}

pub(crate) use vocabulary;
