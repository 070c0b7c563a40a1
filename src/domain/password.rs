//! The password policy a person sees when choosing a password.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordPolicyError {
    #[error("Use at least {0} characters.")]
    TooShort(usize),
    #[error("Use at most {0} characters.")]
    TooLong(usize),
}

pub const MIN_LEN: usize = 12;
pub const MAX_LEN: usize = 128;

/// Length is what makes a password strong; composition rules only annoy (NIST SP 800-63B).
pub fn check_new_password(candidate: &str) -> Result<(), PasswordPolicyError> {
    let n = candidate.chars().count();
    if n < MIN_LEN {
        return Err(PasswordPolicyError::TooShort(MIN_LEN));
    }
    if n > MAX_LEN {
        return Err(PasswordPolicyError::TooLong(MAX_LEN));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_bounds() {
        assert_eq!(
            check_new_password("short"),
            Err(PasswordPolicyError::TooShort(12))
        );
        assert_eq!(check_new_password("exactly12chr"), Ok(()));
        assert_eq!(check_new_password("demo-password"), Ok(()));
        assert!(check_new_password(&"x".repeat(129)).is_err());
        // counts characters, not bytes
        assert_eq!(
            check_new_password("ééééééééééé"),
            Err(PasswordPolicyError::TooShort(12))
        );
    }
}
