//! Progress bars on stderr, for people only: hidden with `--json` and when stderr is not a
//! terminal, so scripts and logs see no control characters.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use renderiq_sdk::WaitProgress;

const UPLOAD_TEMPLATE: &str = "{spinner} uploading  [{bar:30}] {bytes}/{total_bytes}";
const PREPARE_TEMPLATE: &str = "{spinner} preparing the image";
const RENDER_TEMPLATE: &str = "{spinner} rendering  [{bar:30}] {pos:>3}% {msg} {elapsed}";
const STATUS_TEMPLATE: &str = "{spinner} {msg}";

/// Makes the bars of one command, or hidden ones.
#[derive(Debug, Clone, Copy)]
pub struct Bars {
    visible: bool,
}

impl Bars {
    /// Bars that draw when `visible`, else do nothing.
    pub fn new(visible: bool) -> Self {
        Self { visible }
    }

    /// `true` when bars are drawn.
    pub fn visible(&self) -> bool {
        self.visible
    }

    fn bar(&self, len: u64, template: &str) -> ProgressBar {
        if !self.visible {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(len);
        bar.set_style(style(template));
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    }

    /// The upload bar: a spinner while the image is prepared, then bytes sent of the prepared
    /// image. Feed it with [`upload_progress`].
    pub fn upload(&self) -> ProgressBar {
        self.bar(0, PREPARE_TEMPLATE)
    }

    /// The wait bar: the render's progress in percent and its state.
    pub fn wait(&self, render_id: &str) -> ProgressBar {
        let bar = self.bar(100, RENDER_TEMPLATE);
        bar.set_message(format!("pending ({render_id})"));
        bar
    }

    /// A spinner with a message, for short steps (download, sign-in).
    pub fn spinner(&self, message: &str) -> ProgressBar {
        let bar = self.bar(0, STATUS_TEMPLATE);
        bar.set_message(message.to_owned());
        bar
    }
}

/// The callback for [`renderiq_sdk::CreateRender::on_upload_progress`] that moves `bar`.
pub fn upload_progress(bar: &ProgressBar) -> impl Fn(u64, u64) + Send + Sync + 'static {
    let bar = bar.clone();
    move |sent, total| {
        if bar.is_hidden() {
            return;
        }
        if bar.length() != Some(total) {
            bar.set_style(style(UPLOAD_TEMPLATE));
            bar.set_length(total);
        }
        bar.set_position(sent);
    }
}

/// The callback for [`renderiq_sdk::WaitOptions::on_progress`] that moves `bar`.
pub fn wait_progress(bar: &ProgressBar) -> impl Fn(&WaitProgress) + Send + Sync + 'static {
    let bar = bar.clone();
    move |p| {
        let r = &p.render;
        let pct = if r.status == renderiq_sdk::RenderStatus::Completed {
            100
        } else {
            r.progress.min(100)
        };
        bar.set_position(u64::from(pct));
        bar.set_message(format!("{} ({})", r.status, r.id));
    }
}

/// A bar style from one of this module's templates; the plain default should one not parse (a
/// test checks that each does).
fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        for t in [
            UPLOAD_TEMPLATE,
            PREPARE_TEMPLATE,
            RENDER_TEMPLATE,
            STATUS_TEMPLATE,
        ] {
            assert!(ProgressStyle::with_template(t).is_ok(), "{t}");
        }
    }
}
