//! Names: what the format accepts, and how spec names become Rust identifiers.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// `^[a-zA-Z0-9-_*]+$` (the format's `IdentifierExtended`), as used for parameter names.
pub fn is_param_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '*'))
}

/// `^[a-zA-Z0-9-]+$` (the format's `IdentifierKebab`): namespaces and operation names.
pub fn is_kebab_ident(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// `^[A-Z][A-Z0-9_]*$`: bound variable names.
pub fn is_binding_var(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// An HTTP header name: one or more token characters (RFC 9110: letters, digits and ``!#$%&'*+-.^_`|~``).
pub fn is_header_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c))
}

/// `^[A-Za-z0-9_.-]{1,64}$`: what MCP clients accept as a tool name.
pub fn is_tool_name(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// Rust keywords (strict and reserved, all editions), which get an `r#` prefix or a trailing `_`.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

fn sanitize(raw: String) -> String {
    let mut s: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.chars().all(|c| c == '_') {
        s = format!("x{s}");
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    if KEYWORDS.contains(&s.as_str()) {
        s.push('_');
    }
    s
}

/// A snake_case identifier for a function (operation, handler, tool).
pub fn fn_ident(name: &str) -> String {
    sanitize(name.replace('*', "_star_").to_snake_case())
}

/// A snake_case identifier for a struct field or argument.
pub fn field_ident(name: &str) -> String {
    fn_ident(name)
}

/// An UpperCamelCase identifier for a type: `name` followed by `suffix` (`Client`, `Query`…), sanitised as a whole,
/// so that a keyword only matters when it is the whole name (`self` gives `SelfQuery`, not `Self_Query`).
pub fn type_ident(name: &str, suffix: &str) -> String {
    sanitize(format!("{}_{suffix}", name.replace('*', "_star_")).to_upper_camel_case())
}

/// An UPPER_SNAKE identifier for a constant.
pub fn const_ident(name: &str) -> String {
    fn_ident(name).to_uppercase()
}

/// The candidate closest to `name` by edit distance, if it is close enough to be a likely typo.
pub fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.len() / 3).max(2);
    if name.len() > 256 {
        return None;
    }
    candidates
        .filter(|c| c.len().abs_diff(name.len()) <= limit)
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_sanitised() {
        assert_eq!(fn_ident("listapplications"), "listapplications");
        assert_eq!(fn_ident("get-user"), "get_user");
        assert_eq!(fn_ident("type"), "type_");
        assert_eq!(fn_ident("page_size"), "page_size");
        assert_eq!(fn_ident("excludeRoleId"), "exclude_role_id");
        assert_eq!(fn_ident("2fa"), "_2fa");
        assert_eq!(fn_ident("a*"), "a_star");
        assert_eq!(type_ident("get-user", "Query"), "GetUserQuery");
        assert_eq!(type_ident("self", "Query"), "SelfQuery");
        assert_eq!(type_ident("Self", "Client"), "SelfClient");
        assert_eq!(type_ident("a*", "Path"), "AStarPath");
        assert_eq!(type_ident("2fa", "Server"), "_2faServer");
    }

    #[test]
    fn tool_names() {
        assert!(is_tool_name("listapplications"));
        assert!(is_tool_name("a.b-c_d"));
        assert!(!is_tool_name("has space"));
        assert!(!is_tool_name(""));
        assert!(!is_tool_name(&"x".repeat(65)));
    }

    #[test]
    fn closest_suggests_typos_only() {
        let c = ["getapplication", "listapplications"];
        assert_eq!(
            closest("getaplication", c.iter().copied()),
            Some("getapplication")
        );
        assert_eq!(closest("nosuchop", c.iter().copied()), None);
    }
}
