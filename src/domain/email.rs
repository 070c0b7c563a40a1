//! E-mail addresses, normalised to lower case so that sign-in ignores case.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("Enter an e-mail address.")]
    Empty,
    #[error("An e-mail address has one @ with a name before it and a domain after it, e.g. dana@example.com.")]
    Shape,
    #[error("An e-mail address is at most 254 characters long.")]
    TooLong,
}

impl Email {
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let s = input.trim().to_lowercase();
        if s.is_empty() {
            return Err(EmailError::Empty);
        }
        if s.len() > 254 {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = s.split_once('@').ok_or(EmailError::Shape)?;
        let domain_ok = !domain.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        let local_ok = !local.is_empty()
            && !local.contains(char::is_whitespace)
            && !local.contains(['<', '>', '"', ',', ';']);
        if !domain_ok || !local_ok {
            return Err(EmailError::Shape);
        }
        Ok(Email(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_whitespace() {
        assert_eq!(
            Email::parse("  Dana.Ortiz@Reseller.Example ")
                .unwrap()
                .as_str(),
            "dana.ortiz@reseller.example"
        );
    }

    #[test]
    fn rejects_bad_shapes() {
        for bad in [
            "",
            "   ",
            "dana",
            "dana@",
            "@example.com",
            "dana@example",
            "da na@example.com",
            "dana@exa_mple.com",
            "dana@.example.com",
            "dana@example..com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert_eq!(Email::parse(""), Err(EmailError::Empty));
        assert_eq!(Email::parse("dana"), Err(EmailError::Shape));
    }
}
