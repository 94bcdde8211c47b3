//! Where a scenario's people go: the console and the demo shop of one
//! in-process backend, or of a cluster behind its balancer.

pub trait Site {
    /// The console's page.
    fn console_url(&self) -> String;

    /// A demo page's URL; `""` is the home page.
    fn demo_url(&self, page: &str) -> String;
}

impl Site for crate::Stack {
    fn console_url(&self) -> String {
        crate::Stack::console_url(self)
    }

    fn demo_url(&self, page: &str) -> String {
        crate::Stack::demo_url(self, page)
    }
}
