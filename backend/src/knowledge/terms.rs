//! The words an article is found by, the same for both databases.
//!
//! Chinese has no spaces between words, and most of its words are two
//! characters long, so a run of Chinese (or Japanese) text is indexed as
//! its overlapping pairs of characters ("申請退款" → 申請, 請退, 退款):
//! the usual way search engines index Chinese without a dictionary, and
//! what lets a question worded differently still meet the article by the
//! words they share. Other text is split into lower-case words, with a
//! plural's `s` taken off. Words that say nothing about a question ("the",
//! "how", 什麼, 請問) are left out, so they never make an article look
//! relevant.
//!
//! The terms are written into SQLite's FTS5 (`unicode61`, which keeps each
//! space-separated term whole) or PostgreSQL's `tsvector` as they are; the
//! database finds and ranks the candidates, and [`Relevance`] decides, the
//! same way on both, which of them share enough with the question.

use std::collections::HashSet;

/// English words that occur in any question; they never make a match.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "could", "did", "do", "does", "for", "from", "get", "have", "hello", "hi", "how", "i", "if",
    "in", "is", "it", "its", "me", "my", "need", "not", "of", "on", "or", "our", "please", "so", "that", "the", "their", "there", "this", "to", "was", "we",
    "what", "when", "where", "which", "who", "why", "will", "with", "would", "you", "your",
];

/// Chinese pairs that occur in any question (both scripts).
const STOP_PAIRS: &[&str] = &[
    "什么", "什麼", "怎么", "怎麼", "么样", "麼樣", "如何", "我的", "你的", "我们", "我們", "你们", "你們", "可以", "请问", "請問", "你好", "您好", "谢谢",
    "謝謝", "一下", "是否", "是不", "不是", "没有", "沒有", "有没", "有沒", "为什", "為什", "要怎", "想要", "我想", "我要", "的时", "的時", "时候", "時候",
    "能不", "不能",
];

/// How many terms of a question are looked for at most; a pasted essay is
/// not a question.
pub const MAX_QUERY_TERMS: usize = 48;

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3400..=0x4DBF    // CJK Extension A
        | 0x4E00..=0x9FFF    // CJK Unified Ideographs
        | 0xF900..=0xFAFF    // CJK Compatibility Ideographs
        | 0x20000..=0x2FA1F) // Extensions B to F and compatibility supplement
}

/// A word without its plural or possessive ending.
fn stem(word: &str) -> String {
    let word = word.strip_suffix("'s").unwrap_or(word);
    if word.len() > 4 && word.ends_with("ies") {
        return format!("{}y", &word[..word.len() - 3]);
    }
    if word.len() > 3 && word.ends_with('s') && !word.ends_with("ss") && !word.ends_with("us") {
        return word[..word.len() - 1].to_string();
    }
    word.to_string()
}

/// Every term of `text`, in order and with repeats (repeats count in
/// ranking).
pub fn terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut han: Vec<char> = Vec::new();
    let flush_word = |word: &mut String, out: &mut Vec<String>| {
        if !word.is_empty() {
            let w = stem(word);
            // Checked before and after the plural goes: "this" is not the
            // plural of "thi".
            if w.chars().count() > 1 && !STOP_WORDS.contains(&word.as_str()) && !STOP_WORDS.contains(&w.as_str()) {
                out.push(w);
            }
            word.clear();
        }
    };
    let flush_han = |han: &mut Vec<char>, out: &mut Vec<String>| {
        if han.len() == 1 {
            out.push(han[0].to_string());
        }
        for pair in han.windows(2) {
            let pair: String = pair.iter().collect();
            if !STOP_PAIRS.contains(&pair.as_str()) {
                out.push(pair);
            }
        }
        han.clear();
    };
    for c in text.chars() {
        if is_cjk(c) {
            flush_word(&mut word, &mut out);
            han.push(c);
        } else if c.is_alphanumeric() || (c == '\'' && !word.is_empty()) {
            flush_han(&mut han, &mut out);
            word.extend(c.to_lowercase());
        } else {
            flush_word(&mut word, &mut out);
            flush_han(&mut han, &mut out);
        }
    }
    flush_word(&mut word, &mut out);
    flush_han(&mut han, &mut out);
    // An apostrophe is kept inside a word only to find "'s"; the databases
    // would split on it.
    out.iter_mut().for_each(|t| t.retain(|c| c != '\''));
    out.retain(|t| !t.is_empty());
    out
}

/// The terms of a question: each once, at most [`MAX_QUERY_TERMS`].
pub fn query_terms(text: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    terms(text).into_iter().filter(|t| seen.insert(t.clone())).take(MAX_QUERY_TERMS).collect()
}

/// Terms as one column of text, as both databases store them.
pub fn joined(terms: &[String]) -> String {
    terms.join(" ")
}

/// An FTS5 query matching any of `terms`. Each is quoted, so nothing in a
/// question is read as FTS5 syntax.
pub fn fts5_query(terms: &[String]) -> String {
    terms.iter().map(|t| format!("\"{}\"", t.replace('"', "\"\""))).collect::<Vec<_>>().join(" OR ")
}

/// A PostgreSQL `tsquery` matching any of `terms`, as its input syntax
/// (quoted lexemes, not parsed again by a text-search configuration).
pub fn tsquery(terms: &[String]) -> String {
    terms.iter().map(|t| format!("'{}'", t.replace('\\', "\\\\").replace('\'', "''"))).collect::<Vec<_>>().join(" | ")
}

/// The highest position a PostgreSQL `tsvector` records.
const MAX_POSITION: usize = 16_383;

/// An article's terms as a PostgreSQL `tsvector` in its input syntax:
/// each term with its positions, the title's weighted A and the body's B
/// (weights live on positions, so without them `ts_rank` could not tell
/// the title from the body).
pub fn tsvector(title: &[String], body: &[String]) -> String {
    let mut positions: std::collections::BTreeMap<&str, Vec<String>> = std::collections::BTreeMap::new();
    let weighted = title.iter().map(|t| (t, 'A')).chain(body.iter().map(|t| (t, 'B')));
    for (i, (term, weight)) in weighted.enumerate() {
        let at = positions.entry(term.as_str()).or_default();
        // PostgreSQL keeps at most 256 positions of a lexeme.
        if at.len() < 256 {
            at.push(format!("{}{weight}", (i + 1).min(MAX_POSITION)));
        }
    }
    positions.into_iter().map(|(term, at)| format!("'{}':{}", term.replace('\\', "\\\\").replace('\'', "''"), at.join(","))).collect::<Vec<_>>().join(" ")
}

/// A question of at most this many terms is short: one of them in an
/// article's title is enough.
const SHORT_QUESTION: usize = 4;

/// Decides which candidates share enough with a question, and orders them.
pub struct Relevance {
    query: Vec<String>,
}

/// A candidate article's terms, as stored.
pub struct Candidate<'a> {
    pub title_terms: &'a str,
    pub body_terms: &'a str,
}

impl Relevance {
    pub fn new(query: Vec<String>) -> Self {
        Self { query }
    }

    pub fn is_empty(&self) -> bool {
        self.query.is_empty()
    }

    /// How many of the question's terms a suggestion must share: one for a
    /// one-term question, then two, and three once the question is long
    /// enough that two shared pairs may be chance.
    pub fn needed(&self) -> usize {
        match self.query.len() {
            0 | 1 => self.query.len(),
            n => (n / 4).clamp(2, 3),
        }
    }

    /// (terms shared with the title, terms shared in all).
    pub fn shared(&self, candidate: &Candidate) -> (usize, usize) {
        let title: HashSet<&str> = candidate.title_terms.split(' ').collect();
        let body: HashSet<&str> = candidate.body_terms.split(' ').collect();
        let in_title = self.query.iter().filter(|t| title.contains(t.as_str())).count();
        let in_all = self.query.iter().filter(|t| title.contains(t.as_str()) || body.contains(t.as_str())).count();
        (in_title, in_all)
    }

    /// The indexes of the candidates that share at least `needed` terms,
    /// or, for a short question, one with the title ("How long does a
    /// refund take?" and "How refunds work"); best first: more terms
    /// shared, then more in the title, then as the database ranked them.
    pub fn order(&self, candidates: &[Candidate], needed: usize) -> Vec<usize> {
        let short = self.query.len() <= SHORT_QUESTION;
        let mut kept: Vec<(usize, (usize, usize))> = candidates
            .iter()
            .enumerate()
            .map(|(i, c)| (i, self.shared(c)))
            .filter(|(_, (title, all))| *all >= needed.max(1) || (short && *title >= 1))
            .collect();
        kept.sort_by(|(a, (at, aa)), (b, (bt, ba))| ba.cmp(aa).then(bt.cmp(at)).then(a.cmp(b)));
        kept.into_iter().map(|(i, _)| i).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(text: &str) -> Vec<String> {
        terms(text)
    }

    #[test]
    fn english_is_split_lowered_and_unpluralised() {
        assert_eq!(t("How do REFUNDS work?"), ["refund", "work"]);
        assert_eq!(t("Address changes; the company's policies"), ["address", "change", "company", "policy"]);
        assert_eq!(t("status bus 42 x"), ["status", "bus", "42"]);
    }

    #[test]
    fn chinese_is_indexed_in_overlapping_pairs() {
        assert_eq!(t("申請退款"), ["申請", "請退", "退款"]);
        assert_eq!(t("退"), ["退"]);
        // Punctuation and Latin text end a run.
        assert_eq!(t("退款，多久？VIP會員"), ["退款", "多久", "vip", "會員"]);
    }

    #[test]
    fn question_words_are_left_out() {
        assert_eq!(t("請問怎麼退款"), ["問怎", "麼退", "退款"]);
        assert!(t("what is the").is_empty());
        assert!(t("how can I do this? Does it?").is_empty());
    }

    #[test]
    fn the_tsvector_weights_title_above_body() {
        let v = tsvector(&t("Refund policy"), &t("refund within days"));
        assert_eq!(v, "'day':5B 'policy':2A 'refund':1A,3B 'within':4B");
    }

    #[test]
    fn queries_name_each_term_once_and_quote_it() {
        let q = query_terms("退款 退款 refund refunds");
        assert_eq!(q, ["退款", "refund"]);
        assert_eq!(fts5_query(&q), "\"退款\" OR \"refund\"");
        assert_eq!(tsquery(&q), "'退款' | 'refund'");
        assert_eq!(query_terms(&"word ".repeat(10)).len(), 1);
        let long: String = (0..200).map(|i| format!("w{i} ")).collect();
        assert_eq!(query_terms(&long).len(), MAX_QUERY_TERMS);
    }

    #[test]
    fn a_differently_worded_question_meets_the_article() {
        let article =
            Candidate { title_terms: &joined(&t("如何申請退款")), body_terms: &joined(&t("退款會在五個工作天內退回原付款方式。")) };
        let unrelated = Candidate { title_terms: &joined(&t("更改送貨地址")), body_terms: &joined(&t("在訂單頁面可以更改地址。")) };
        let question = Relevance::new(query_terms("我想申請退款，錢多久會退回？"));
        assert_eq!(question.order(&[unrelated, article], question.needed()), [1]);
    }

    #[test]
    fn in_a_short_question_one_word_of_the_title_is_enough() {
        let title = Candidate { title_terms: "refund work", body_terms: "card" };
        let body = Candidate { title_terms: "shipping", body_terms: "refund" };
        let q = Relevance::new(query_terms("How long does a refund take?"));
        assert_eq!(q.needed(), 2);
        assert_eq!(q.order(&[body, title], q.needed()), [1]);
    }

    #[test]
    fn one_shared_pair_in_a_long_question_is_not_enough() {
        let article = Candidate { title_terms: &joined(&t("會員等級")), body_terms: "" };
        let question = Relevance::new(query_terms("我的包裹寄到哪裡了，會員"));
        assert!(question.needed() >= 2);
        assert!(question.order(&[article], question.needed()).is_empty());
    }

    #[test]
    fn more_shared_terms_rank_first_then_the_title() {
        let a = Candidate { title_terms: "refund", body_terms: "card" };
        let b = Candidate { title_terms: "card", body_terms: "refund day" };
        let c = Candidate { title_terms: "shipping", body_terms: "refund card day" };
        let q = Relevance::new(query_terms("refund to my card in days"));
        assert_eq!(q.order(&[a, b, c], 1), [1, 2, 0]);
    }
}
