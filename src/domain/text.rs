//! Text that came from other people (names, role names, justifications): which characters are hidden
//! formatting rather than visible text, removing them for display and search, and the normalised form
//! of role names that risk matching compares.
//!
//! Hidden characters are how a name is made to look like another one: a right-to-left override
//! (U+202E) reverses what follows, a zero-width space splits "Global Administrator" so an exact match
//! misses it. None of them belongs in a name, so the views flag them and the rules ignore them.

use std::borrow::Cow;

/// Characters that change how text is shown (or split words) without being visible themselves.
pub fn is_hidden(c: char) -> bool {
    if c.is_ascii() {
        return is_hidden_ascii(c as u8);
    }
    matches!(
        c,
        // Bidirectional embeddings, overrides, isolates and marks.
        '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{061C}'
            // Zero-width space, non-joiner, joiner; word joiner; byte order mark.
            | '\u{200B}'..='\u{200D}'
            | '\u{2060}'
            | '\u{FEFF}'
            // Invisible operators and deprecated format controls next to the word joiner.
            | '\u{2061}'..='\u{2064}'
            | '\u{206A}'..='\u{206F}'
            // Tag characters (invisible copies of ASCII).
            | '\u{E0000}'..='\u{E007F}'
            // Soft hyphen, combining grapheme joiner, Mongolian vowel separator, interlinear annotation,
            // shorthand format controls, Khmer inherent vowels.
            | '\u{00AD}'
            | '\u{034F}'
            | '\u{180E}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{17B4}'
            | '\u{17B5}'
            // Fillers that render as nothing (Hangul).
            | '\u{115F}'
            | '\u{1160}'
            | '\u{3164}'
            | '\u{FFA0}'
    ) || (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// Does `text` contain characters a reader cannot see (see [`is_hidden`])?
pub fn has_hidden_characters(text: &str) -> bool {
    if text.is_ascii() {
        return text.bytes().any(is_hidden_ascii);
    }
    text.chars().any(is_hidden)
}

/// The ASCII part of [`is_hidden`]: control characters other than tab and line breaks.
fn is_hidden_ascii(byte: u8) -> bool {
    byte.is_ascii_control() && !matches!(byte, b'\t' | b'\n' | b'\r')
}

/// `text` without its hidden characters (borrowed when there are none).
pub fn without_hidden(text: &str) -> Cow<'_, str> {
    if has_hidden_characters(text) {
        Cow::Owned(text.chars().filter(|c| !is_hidden(*c)).collect())
    } else {
        Cow::Borrowed(text)
    }
}

/// Does `text` show anything at all (not only spaces and hidden characters)?
pub fn is_blank(text: &str) -> bool {
    text.chars().all(|c| c.is_whitespace() || is_hidden(c))
}

/// The form a search compares: hidden characters removed, lower-cased.
pub fn search_form(text: &str) -> String {
    without_hidden(text).to_lowercase()
}

/// One haystack for a search over several fields, in their [`search_form`] and kept apart by a
/// separator no one can type (being hidden itself, it never survives into a needle).
pub fn searchable(fields: &[&str]) -> String {
    let mut haystack = String::with_capacity(fields.iter().map(|f| f.len() + 1).sum());
    for (index, field) in fields.iter().enumerate() {
        if index > 0 {
            haystack.push('\u{1f}');
        }
        haystack.push_str(&without_hidden(field));
    }
    haystack.to_lowercase()
}

/// A role name as risk matching compares it: hidden characters removed, look-alike letters (Cyrillic
/// and Greek homoglyphs, fullwidth forms) read as the Latin letter they imitate, case folded, and
/// spaces of every kind left out, so neither `Global\u{200B}Administrator` (shown as one word) nor
/// ` global  administrator ` reads as another role.
pub fn normalised_role_name(name: &str) -> impl Iterator<Item = char> + '_ {
    name.chars()
        .filter(|c| !is_hidden(*c))
        .flat_map(char::to_lowercase)
        .map(latin_look_alike)
        .filter(|c| !c.is_whitespace())
}

/// Do two role names name the same role once normalised ([`normalised_role_name`])?
pub fn same_role_name(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        // The same comparison without the Unicode machinery, for the usual case.
        return ascii_role_key(a).eq(ascii_role_key(b));
    }
    normalised_role_name(a).eq(normalised_role_name(b))
}

/// [`normalised_role_name`] of ASCII text: bytes without spaces and control characters, lower case.
fn ascii_role_key(name: &str) -> impl Iterator<Item = u8> + '_ {
    name.bytes()
        .filter(|b| !b.is_ascii_whitespace() && !b.is_ascii_control())
        .map(|b| b.to_ascii_lowercase())
}

/// The Latin letter a lower-case look-alike imitates, or the character itself.
fn latin_look_alike(c: char) -> char {
    match c {
        // Fullwidth ASCII.
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        // Cyrillic.
        'а' => 'a',
        'в' => 'b',
        'с' | 'ϲ' => 'c',
        'ԁ' => 'd',
        'е' => 'e',
        'һ' => 'h',
        'і' | 'ı' | 'ι' => 'i',
        'ј' => 'j',
        'к' | 'κ' => 'k',
        'ӏ' => 'l',
        'м' => 'm',
        'п' => 'n',
        'о' | 'ο' => 'o',
        'р' | 'ρ' => 'p',
        'ԛ' => 'q',
        'ѕ' => 's',
        'т' | 'τ' => 't',
        'υ' => 'u',
        'ν' => 'v',
        'ԝ' => 'w',
        'х' | 'χ' => 'x',
        'у' => 'y',
        'α' => 'a',
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalised(name: &str) -> String {
        normalised_role_name(name).collect()
    }

    #[test]
    fn flags_bidi_controls_zero_width_and_tags() {
        for hostile in [
            "Adele\u{202E}ecnaV",
            "\u{202A}x",
            "\u{2066}Megan\u{2069}",
            "a\u{200E}",
            "a\u{200F}",
            "\u{061C}a",
            "Global\u{200B}Administrator",
            "a\u{200C}b",
            "a\u{200D}b",
            "a\u{2060}b",
            "\u{FEFF}Owner",
            "Owner\u{E0041}\u{E007F}",
            "soft\u{00AD}hyphen",
            "\u{3164}",
            "bell\u{7}",
            "c1\u{85}",
        ] {
            assert!(has_hidden_characters(hostile), "{hostile:?}");
        }
    }

    #[test]
    fn ordinary_names_in_any_script_are_not_flagged() {
        for fine in [
            "Adele Vance",
            "Zoë O'Brien-Łukasz",
            "محمد علي",
            "דוד לוי",
            "李小龙",
            "José 😀",
            "two\nlines\tand a tab\r\n",
            "",
        ] {
            assert!(!has_hidden_characters(fine), "{fine:?}");
            assert!(matches!(without_hidden(fine), Cow::Borrowed(_)));
        }
    }

    #[test]
    fn removes_hidden_characters_only() {
        assert_eq!(without_hidden("Adele\u{202E}ecnaV"), "AdeleecnaV");
        assert_eq!(
            without_hidden("\u{FEFF}Global\u{200B}Admin\u{E0041}"),
            "GlobalAdmin"
        );
        assert_eq!(without_hidden("a\nb"), "a\nb");
    }

    #[test]
    fn blank_means_nothing_visible() {
        assert!(is_blank(""));
        assert!(is_blank(" \u{200B}\u{202E} \u{3164}"));
        assert!(!is_blank(" a "));
    }

    #[test]
    fn searches_ignore_hidden_characters_and_case() {
        assert!(searchable(&["Global\u{200B}ADMINISTRATOR", "x"]).contains("global"));
        assert!(searchable(&["Global\u{200B}ADMINISTRATOR"]).contains("globaladministrator"));
        assert!(
            !searchable(&["ab", "cd"]).contains("bc"),
            "fields stay apart"
        );
        assert_eq!(search_form("  MiXed\u{2066} "), "  mixed ");
    }

    #[test]
    fn role_names_are_trimmed_folded_and_cleaned() {
        assert_eq!(normalised(" Global Administrator "), "globaladministrator");
        assert_eq!(
            normalised("Global\u{200B} Administrator"),
            "globaladministrator"
        );
        assert_eq!(
            normalised("GLOBAL\u{00A0}\u{2003} ADMINISTRATOR\t"),
            "globaladministrator"
        );
        assert_eq!(normalised("\u{202E}Owner\u{202C}"), "owner");
        assert_eq!(
            normalised("Glоbal Аdministrator"),
            "globaladministrator",
            "Cyrillic о and А"
        );
        assert_eq!(normalised("Ｏｗｎｅｒ"), "owner", "fullwidth");
        assert_eq!(normalised(" \u{200B} "), "");
        assert!(same_role_name(
            "Global\u{200B}Administrator",
            "Global Administrator"
        ));
        assert!(same_role_name(
            " global administrator ",
            "Global Administrator"
        ));
        assert!(!same_role_name("Global Reader", "Global Administrator"));
        assert!(!same_role_name("Owner", "Owners"));
    }

    #[test]
    fn the_ascii_shortcut_compares_like_the_full_normalisation() {
        let names = [
            "Global Administrator",
            " global\tadministrator\u{7f}",
            "GLOBAL\u{0B}ADMINISTRATOR",
            "GlobalAdministrator",
            "Global Admin",
            "Owner",
            "owner ",
            "",
            " ",
        ];
        for a in names {
            for b in names {
                assert_eq!(
                    same_role_name(a, b),
                    normalised_role_name(a).eq(normalised_role_name(b)),
                    "{a:?} vs {b:?}"
                );
            }
        }
    }

    #[test]
    fn survives_huge_and_odd_input() {
        let huge = "\u{202E}x".repeat(5_000);
        assert!(has_hidden_characters(&huge));
        assert_eq!(without_hidden(&huge).len(), 5_000);
        assert_eq!(normalised("İ"), "i\u{307}", "multi-character lower case");
    }
}
