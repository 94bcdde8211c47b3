//! A small JSON writer: the recorder writes its operations by hand
//! rather than carry serde into a module every co-browsing visitor
//! downloads.

#[derive(Default)]
pub struct Json {
    pub out: String,
}

impl Json {
    pub fn raw(&mut self, s: &str) -> &mut Self {
        self.out.push_str(s);
        self
    }

    pub fn num(&mut self, n: f64) -> &mut Self {
        if n.is_finite() {
            // Whole numbers without a fraction; positions rounded to
            // a tenth of a pixel are plenty.
            let rounded = (n * 10.0).round() / 10.0;
            if rounded.fract() == 0.0 && rounded.abs() < 1e15 {
                self.out.push_str(&(rounded as i64).to_string());
            } else {
                self.out.push_str(&rounded.to_string());
            }
        } else {
            self.out.push('0');
        }
        self
    }

    pub fn int(&mut self, n: u32) -> &mut Self {
        self.out.push_str(&n.to_string());
        self
    }

    pub fn string(&mut self, s: &str) -> &mut Self {
        self.out.push('"');
        for c in s.chars() {
            match c {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                '\n' => self.out.push_str("\\n"),
                '\r' => self.out.push_str("\\r"),
                '\t' => self.out.push_str("\\t"),
                // Line separators break some older parsers of JSONP;
                // escaping costs nothing.
                '\u{2028}' => self.out.push_str("\\u2028"),
                '\u{2029}' => self.out.push_str("\\u2029"),
                c if (c as u32) < 0x20 => self.out.push_str(&format!("\\u{:04x}", c as u32)),
                c => self.out.push(c),
            }
        }
        self.out.push('"');
        self
    }

    /// `"key":`, after a comma unless it opens an object.
    pub fn key(&mut self, key: &str) -> &mut Self {
        if !self.out.ends_with('{') && !self.out.ends_with('[') {
            self.out.push(',');
        }
        self.string(key);
        self.out.push(':');
        self
    }

    /// A comma between items of an array.
    pub fn item(&mut self) -> &mut Self {
        if !self.out.is_empty() && !self.out.ends_with('[') && !self.out.ends_with(':') {
            self.out.push(',');
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_valid_json() {
        let mut j = Json::default();
        j.raw("[");
        j.item().raw("{").key("k").string("text").key("x").string("a\"b\\c\n\u{1}你好\u{2028}").raw("}");
        j.item().num(1.25).item().num(3.0).item().num(f64::NAN).item().int(7);
        j.raw("]");
        assert_eq!(j.out, r#"[{"k":"text","x":"a\"b\\c\n\u0001你好\u2028"},1.3,3,0,7]"#);
    }
}
