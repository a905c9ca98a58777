//! Reading answers: the text a model produced, from a JSON answer or a stream.

use serde_json::Value;

/// The completion text of an OpenAI-compatible answer: the concatenated `choices[].message.content`
/// or `choices[].text` of a JSON body, or the `delta.content` / `text` of every `data:` event of
/// a server-sent-event stream (in order; `[DONE]` and events that are not JSON are skipped).
/// Anything else has no text (`""`).
pub fn completion_text(body: &[u8]) -> String {
    let mut out = String::new();
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        push_choices(&v, &mut out);
        return out;
    }
    for line in body.split(|b| *b == b'\n') {
        let Some(data) = line.strip_prefix(b"data:") else {
            continue;
        };
        let data = data.trim_ascii();
        if data == b"[DONE]" {
            continue;
        }
        if let Ok(v) = serde_json::from_slice::<Value>(data) {
            push_choices(&v, &mut out);
        }
    }
    out
}

fn push_choices(v: &Value, out: &mut String) {
    let Some(choices) = v.get("choices").and_then(Value::as_array) else {
        return;
    };
    for c in choices {
        for text in [
            c.pointer("/message/content"),
            c.pointer("/delta/content"),
            c.get("text"),
        ]
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        {
            out.push_str(text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_of_answers_and_streams() {
        let unary = br#"{"choices":[{"message":{"role":"assistant","content":"hello there"}}],"usage":{"prompt_tokens":1,"completion_tokens":2}}"#;
        assert_eq!(completion_text(unary), "hello there");
        let comp = br#"{"choices":[{"text":"abc"}]}"#;
        assert_eq!(completion_text(comp), "abc");
        let sse = b"data: {\"choices\":[{\"delta\":{\"content\":\"he\"}}]}\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"llo\"}}]}\n\ndata: {\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}\n\ndata: [DONE]\n\n";
        assert_eq!(completion_text(sse), "hello");
        let legacy = b"data: {\"choices\":[{\"text\":\"a\"}]}\n\ndata:{\"choices\":[{\"text\":\"b\"}]}\n\ndata: not json\n\n";
        assert_eq!(completion_text(legacy), "ab");
        assert_eq!(completion_text(b"<html>"), "");
        assert_eq!(completion_text(br#"{"error":{"message":"x"}}"#), "");
    }
}
