//! [`Errors`]: the collector every check reports to, so that one compilation shows every error.

/// Collects errors so that one compilation reports all of them.
///
/// In the manner of serde's `Ctxt`: it must be consumed by [`Errors::check`], and dropping it
/// unchecked panics, so that a forgotten check cannot silently lose errors.
pub(crate) struct Errors {
    /// The errors so far, in the order found; `None` once checked.
    errors: Option<Vec<syn::Error>>,
}

impl Errors {
    pub(crate) fn new() -> Self {
        Self {
            errors: Some(Vec::new()),
        }
    }

    pub(crate) fn push(&mut self, error: syn::Error) {
        self.errors
            .as_mut()
            // `check` consumes `self`: an `Errors` that can be pushed to is never checked.
            .expect("Errors are only taken by `check`, which consumes them")
            .push(error);
    }

    /// All the errors combined into one, in the order found; `Ok` if there are none.
    pub(crate) fn check(mut self) -> syn::Result<()> {
        let mut errors = self
            .errors
            .take()
            .expect("Errors are only taken by `check`, which consumes them")
            .into_iter();
        let Some(mut combined) = errors.next() else {
            return Ok(());
        };
        for error in errors {
            combined.combine(error);
        }
        Err(combined)
    }

    /// The messages of the errors collected, in order (consumes the collector, as `check` does).
    #[cfg(test)]
    pub(crate) fn messages(self) -> Vec<String> {
        let error = self.check().expect_err("errors were collected");
        error.into_iter().map(|e| e.to_string()).collect()
    }
}

impl Drop for Errors {
    fn drop(&mut self) {
        // Not while unwinding: a second panic would abort and hide the first.
        if self.errors.is_some() && !std::thread::panicking() {
            panic!("Errors dropped without being checked");
        }
    }
}

#[cfg(test)]
mod tests {
    use proc_macro2::Span;

    use super::*;

    #[test]
    fn checked_errors_are_combined_in_order() {
        let mut errors = Errors::new();
        errors.push(syn::Error::new(Span::call_site(), "first"));
        errors.push(syn::Error::new(Span::call_site(), "second"));
        let messages = errors.messages();
        assert_eq!(messages, ["first", "second"]);
        assert!(Errors::new().check().is_ok());
    }

    #[test]
    #[should_panic(expected = "Errors dropped without being checked")]
    fn errors_dropped_unchecked_panic() {
        let mut errors = Errors::new();
        errors.push(syn::Error::new(Span::call_site(), "lost"));
        drop(errors);
    }

    #[test]
    #[should_panic(expected = "Errors dropped without being checked")]
    fn errors_dropped_unchecked_panic_even_when_empty() {
        drop(Errors::new());
    }
}
