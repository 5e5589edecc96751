//! Conformance suites as ratchets (`../shared/DESIGN.md`, "Conformance
//! suites are ratchets, all the same way").
//!
//! A suite run produces one [`CaseResult`] per case. [`check`] compares the
//! run with two committed files in the suite's directory:
//!
//! * `summary.json` — passed/failed/skipped counts per group and in total;
//! * `expected-failures.txt` — one line per case that does not pass:
//!   `group/case — reason` for failures, `group/case — skipped: reason` for
//!   skips. Reasons are written by people; a rewrite keeps them and only
//!   fills in reasons for new entries from the run's own message.
//!
//! Any difference in either direction — a regression or an unrecorded
//! improvement — is an error listing the cases that changed. Setting the
//! environment variable `UPDATE_EXPECT=1` rewrites both files from the run
//! instead.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// How one case ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The case passed.
    Pass,
    /// The case failed; the message says how (expected vs actual).
    Fail(String),
    /// The case was not run; the message says why.
    Skip(String),
}

/// One case of a suite run.
#[derive(Clone, Debug)]
pub struct CaseResult {
    /// The group (file, section or directory) the case belongs to.
    pub group: String,
    /// The case's name, unique within its group.
    pub name: String,
    /// How it ended.
    pub outcome: Outcome,
}

impl CaseResult {
    /// `group/name`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.group, self.name)
    }
}

#[derive(Default, Clone, Copy, PartialEq, Eq, Debug)]
struct Counts {
    passed: usize,
    failed: usize,
    skipped: usize,
}

fn counts(results: &[CaseResult]) -> (BTreeMap<String, Counts>, Counts) {
    let mut groups: BTreeMap<String, Counts> = BTreeMap::new();
    let mut total = Counts::default();
    for r in results {
        let g = groups.entry(r.group.clone()).or_default();
        for c in [g, &mut total] {
            match r.outcome {
                Outcome::Pass => c.passed += 1,
                Outcome::Fail(_) => c.failed += 1,
                Outcome::Skip(_) => c.skipped += 1,
            }
        }
    }
    (groups, total)
}

/// Renders `summary.json` (stable key order, one group per line).
pub fn render_summary(results: &[CaseResult]) -> String {
    let (groups, total) = counts(results);
    let line = |c: &Counts| {
        format!(
            "{{\"passed\": {}, \"failed\": {}, \"skipped\": {}}}",
            c.passed, c.failed, c.skipped
        )
    };
    let mut s = String::from("{\n  \"total\": ");
    s.push_str(&line(&total));
    s.push_str(",\n  \"groups\": {\n");
    let n = groups.len();
    for (i, (name, c)) in groups.iter().enumerate() {
        let _ = writeln!(
            s,
            "    {}: {}{}",
            json_string(name),
            line(c),
            if i + 1 < n { "," } else { "" }
        );
    }
    s.push_str("  }\n}\n");
    s
}

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

const SEPARATOR: &str = " — ";

/// Parses `expected-failures.txt` into `id → reason` (comments `#` and blank lines ignored).
pub fn parse_expected(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once(SEPARATOR) {
            Some((id, reason)) => (id.trim().to_string(), reason.trim().to_string()),
            None => (l.trim().to_string(), String::new()),
        })
        .collect()
}

/// Renders `expected-failures.txt`, keeping reasons already written in `previous`.
pub fn render_expected(
    results: &[CaseResult],
    previous: &BTreeMap<String, String>,
    header: &str,
) -> String {
    let mut s = String::new();
    for line in header.lines() {
        let _ = writeln!(s, "# {line}");
    }
    let mut entries: Vec<(String, String)> = Vec::new();
    for r in results {
        let id = r.id();
        let reason = match &r.outcome {
            Outcome::Pass => continue,
            Outcome::Fail(msg) => match previous.get(&id) {
                Some(old) if !old.starts_with("skipped:") && !old.is_empty() => old.clone(),
                _ => one_line(msg),
            },
            Outcome::Skip(msg) => format!("skipped: {}", one_line(msg)),
        };
        entries.push((id, reason));
    }
    entries.sort();
    for (id, reason) in entries {
        let _ = writeln!(s, "{id}{SEPARATOR}{reason}");
    }
    s
}

fn one_line(s: &str) -> String {
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 300 {
        flat.chars().take(300).collect::<String>() + "…"
    } else {
        flat
    }
}

/// Compares a run with the committed files in `dir` (or rewrites them when
/// `UPDATE_EXPECT=1`).
///
/// # Errors
/// A report of every case whose status changed and of any count that
/// differs, ending with how to accept the change.
pub fn check(dir: &Path, results: &[CaseResult], header: &str) -> Result<(), String> {
    let summary_path = dir.join("summary.json");
    let expected_path = dir.join("expected-failures.txt");
    let previous = std::fs::read_to_string(&expected_path)
        .map(|t| parse_expected(&t))
        .unwrap_or_default();
    let summary = render_summary(results);
    let expected = render_expected(results, &previous, header);
    if std::env::var("UPDATE_EXPECT").is_ok_and(|v| v == "1") {
        std::fs::write(&summary_path, &summary)
            .map_err(|e| format!("{}: {e}", summary_path.display()))?;
        std::fs::write(&expected_path, &expected)
            .map_err(|e| format!("{}: {e}", expected_path.display()))?;
        return Ok(());
    }
    let mut report = String::new();
    let committed_summary = std::fs::read_to_string(&summary_path).unwrap_or_default();
    let mut changed = Vec::new();
    for r in results {
        let id = r.id();
        let was = previous.get(&id);
        match (&r.outcome, was) {
            (Outcome::Pass, Some(reason)) => {
                changed.push(format!("  now passes (was: {reason}): {id}"))
            }
            (Outcome::Fail(msg), None) => {
                changed.push(format!("  now FAILS: {id}: {}", one_line(msg)))
            }
            (Outcome::Fail(msg), Some(reason)) if reason.starts_with("skipped:") => {
                changed.push(format!("  was skipped, now FAILS: {id}: {}", one_line(msg)))
            }
            (Outcome::Skip(msg), was) if !was.is_some_and(|w| w.starts_with("skipped:")) => {
                changed.push(format!("  now skipped: {id}: {msg}"))
            }
            _ => {}
        }
    }
    let ids: std::collections::BTreeSet<String> = results.iter().map(CaseResult::id).collect();
    for id in previous.keys() {
        if !ids.contains(id) {
            changed.push(format!("  listed but not in the run: {id}"));
        }
    }
    if !changed.is_empty() {
        let _ = writeln!(report, "{} case(s) changed status:", changed.len());
        for c in &changed {
            let _ = writeln!(report, "{c}");
        }
    }
    if committed_summary != summary {
        let _ = writeln!(
            report,
            "summary differs from {}:\n--- committed\n{committed_summary}--- this run\n{summary}",
            summary_path.display()
        );
    }
    if report.is_empty() {
        Ok(())
    } else {
        report.push_str(
            "If the change is intended, rerun with UPDATE_EXPECT=1 and commit the files.\n",
        );
        Err(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(group: &str, name: &str, outcome: Outcome) -> CaseResult {
        CaseResult {
            group: group.into(),
            name: name.into(),
            outcome,
        }
    }

    #[test]
    fn detects_changes_in_both_directions_and_keeps_reasons() {
        let dir = std::env::temp_dir().join(format!("kiln-ratchet-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let run1 = vec![
            case("g", "a", Outcome::Pass),
            case("g", "b", Outcome::Fail("x".into())),
            case("h", "c", Outcome::Skip("needs tx".into())),
        ];
        std::fs::write(dir.join("summary.json"), render_summary(&run1)).unwrap();
        let mut prev = BTreeMap::new();
        prev.insert("g/b".to_string(), "a human reason".to_string());
        std::fs::write(
            dir.join("expected-failures.txt"),
            render_expected(&run1, &prev, "header"),
        )
        .unwrap();
        assert!(check(&dir, &run1, "header").is_ok());
        let text = std::fs::read_to_string(dir.join("expected-failures.txt")).unwrap();
        assert!(
            text.contains("g/b — a human reason") && text.contains("h/c — skipped: needs tx"),
            "{text}"
        );
        // Improvement is reported too.
        let run2 = vec![
            case("g", "a", Outcome::Pass),
            case("g", "b", Outcome::Pass),
            case("h", "c", Outcome::Skip("needs tx".into())),
        ];
        let err = check(&dir, &run2, "header").unwrap_err();
        assert!(
            err.contains("now passes") && err.contains("summary differs"),
            "{err}"
        );
        // Regression.
        let run3 = vec![
            case("g", "a", Outcome::Fail("boom".into())),
            case("g", "b", Outcome::Fail("x".into())),
            case("h", "c", Outcome::Skip("needs tx".into())),
        ];
        let err = check(&dir, &run3, "header").unwrap_err();
        assert!(err.contains("now FAILS: g/a: boom"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
