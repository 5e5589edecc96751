//! `htmlChecks()`: whether a string or `xhtml` element is a valid FHIR
//! narrative (FHIR R4/R5 §Narrative, invariants txt-1 and txt-2): well-formed
//! XHTML using only the basic formatting elements and attributes of HTML 4.0
//! chapters 7–11 and 15, `<a>`, images and style attributes — no scripts,
//! forms, objects, event-handler attributes or `javascript:` URLs — with
//! some non-whitespace content.

/// Elements a narrative may use.
const ELEMENTS: &[&str] = &[
    "a",
    "abbr",
    "acronym",
    "b",
    "big",
    "blockquote",
    "br",
    "caption",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "q",
    "samp",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "tt",
    "ul",
    "var",
];

/// Attributes a narrative may use (HTML 4.0 core, i18n, table and link/image attributes).
const ATTRIBUTES: &[&str] = &[
    "title",
    "style",
    "class",
    "id",
    "lang",
    "dir",
    "accesskey",
    "tabindex",
    "span",
    "colspan",
    "rowspan",
    "width",
    "height",
    "src",
    "alt",
    "href",
    "name",
    "border",
    "cellpadding",
    "cellspacing",
    "abbr",
    "axis",
    "headers",
    "scope",
    "align",
    "valign",
    "char",
    "charoff",
    "summary",
    "frame",
    "rules",
    "start",
    "type",
    "value",
    "cite",
    "datetime",
    "compact",
    "nowrap",
    "bgcolor",
    "hspace",
    "vspace",
    "size",
    "noshade",
    "clear",
    "rel",
    "rev",
    "charset",
    "hreflang",
    "shape",
    "coords",
    "longdesc",
    "usemap",
    "ismap",
];

/// Checks `text`: an XHTML `<div>` (the `xhtml` type) or a fragment of XHTML
/// content (a String), which is wrapped in a `<div>` first.
pub(crate) fn html_checks(text: &str, is_div: bool) -> bool {
    let wrapped;
    let source = if is_div && text.trim_start().starts_with("<div") {
        text
    } else {
        wrapped = format!("<div xmlns=\"http://www.w3.org/1999/xhtml\">{text}</div>");
        &wrapped
    };
    let Ok(doc) = roxmltree::Document::parse(source) else {
        return false;
    };
    let mut has_content = false;
    for node in doc.root_element().descendants() {
        if node.is_text() {
            has_content |= node.text().is_some_and(|t| !t.trim().is_empty());
            continue;
        }
        if !node.is_element() {
            continue;
        }
        let name = node.tag_name().name();
        if !ELEMENTS.contains(&name) {
            return false;
        }
        if name == "img" || name == "br" || name == "hr" {
            has_content = true;
        }
        for a in node.attributes() {
            let an = a.name();
            if a.namespace() == Some("http://www.w3.org/XML/1998/namespace") {
                continue; // xml:lang, xml:space
            }
            if !ATTRIBUTES.contains(&an) {
                return false;
            }
            let v = a.value().trim_start().to_ascii_lowercase();
            if (an == "href" || an == "src")
                && (v.starts_with("javascript:") || v.starts_with("vbscript:"))
            {
                return false;
            }
        }
    }
    has_content
}

#[cfg(test)]
mod tests {
    use super::html_checks;

    #[test]
    fn narrative_rules() {
        assert!(html_checks(
            "<b>This</b> <i>is</i> valid <code>HTML</code>",
            false
        ));
        assert!(!html_checks(
            "<b>This</b> <i>is</i> valid <button>HTML</button>",
            false
        ));
        assert!(!html_checks("<b>unclosed", false));
        assert!(!html_checks("<a href=\"javascript:alert(1)\">x</a>", false));
        assert!(!html_checks("<p onclick=\"x()\">x</p>", false));
        assert!(!html_checks("<script>x()</script>", false));
        assert!(!html_checks("   ", false));
        assert!(html_checks(
            "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p xml:lang=\"en\">Hi</p><img src=\"#a\" alt=\"\"/></div>",
            true
        ));
    }
}
