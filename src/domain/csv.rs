//! CSV export (RFC 4180) that is safe to open in a spreadsheet: cells starting with `=`, `+`, `-`, `@`
//! (or a tab / carriage return) are prefixed with `'` so they are never evaluated as formulas.

/// One CSV field: formula-neutralised, then quoted when it contains a comma, quote or line break.
pub fn field(value: &str) -> String {
    let neutral = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if neutral.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", neutral.replace('"', "\"\""))
    } else {
        neutral
    }
}

/// A whole document: header plus rows, CRLF line endings as RFC 4180 says.
pub fn document<R: AsRef<[String]>>(header: &[&str], rows: &[R]) -> String {
    let mut out = String::new();
    let header: Vec<String> = header.iter().map(|h| field(h)).collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for row in rows {
        let cells: Vec<String> = row.as_ref().iter().map(|c| field(c)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_per_rfc_4180() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn neutralises_formulas() {
        assert_eq!(
            field("=HYPERLINK(\"http://x\")"),
            "\"'=HYPERLINK(\"\"http://x\"\")\""
        );
        assert_eq!(field("+1"), "'+1");
        assert_eq!(field("-2"), "'-2");
        assert_eq!(field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(field("a=b"), "a=b");
    }

    #[test]
    fn builds_a_document_with_crlf() {
        let rows = vec![vec!["1".to_string(), "=x".to_string()]];
        assert_eq!(document(&["id", "note"], &rows), "id,note\r\n1,'=x\r\n");
    }
}
