/// English for messages and summaries: counts with their noun, "a" or "an", and a capital only on
/// a sentence's first prose word (never on a formula, a name or code).
public enum Wording {
    /// "1 sentence", "2 sentences"; `plural` for a noun that does not just add "s".
    public static func counted(_ n: Int, _ noun: String, plural: String? = nil) -> String {
        "\(n) " + (n == 1 ? noun : plural ?? noun + "s")
    }

    /// Names the language spells in lower case but reads letter by letter, starting with a vowel
    /// sound: an rnn, an lstm, an ngrams table (gru, bow, seq2seq, tfidf, bm25 take "a").
    static let vowelSoundNames: Set<String> = ["rnn", "lstm", "ngrams", "mse", "nll", "sgd", "svd"]

    /// `phrase` after "a" or "an", as it is read aloud: "an lstm cell", "a gru cell", "an 8×8 matrix",
    /// "an 11×3 matrix", "a 2×2 matrix", "an example".
    public static func withArticle(_ phrase: String) -> String {
        (startsWithVowelSound(phrase) ? "an " : "a ") + phrase
    }

    static func startsWithVowelSound(_ phrase: String) -> Bool {
        let digits = phrase.prefix { $0.isASCII && $0.isNumber }
        if !digits.isEmpty {
            // Read as a number: eight…, eleven…, eighteen… (11 000 is "eleven thousand", 110 "a hundred and ten").
            if digits.first == "8" { return true }
            let lead = digits.count % 3 == 0 ? 3 : digits.count % 3
            return lead == 2 && (digits.hasPrefix("11") || digits.hasPrefix("18"))
        }
        let word = String(phrase.prefix { $0.isLetter || $0.isNumber }).lowercased()
        if vowelSoundNames.contains(word) { return true }
        guard let first = word.first else { return false }
        return "aeiou".contains(first)
    }

    /// `text` with its first letter upper-cased when it begins with an ordinary prose word: lower-case
    /// ASCII letters followed by a space, a comma, a colon, a semicolon, a hyphen or apostrophe inside a
    /// word ("one-to-many", "model's"), or nothing. A formula or a name keeps its case: σ(x), e^x,
    /// tanh(x), crf=true, x_t, W_hh, 'help', bow(...); so does any word in `names` (the language's own).
    public static func capitalizingProse(_ text: String, keeping names: Set<String> = []) -> String {
        let word = text.prefix { $0.isASCII && $0.isLowercase }
        guard !word.isEmpty, !names.contains(String(word)) else { return text }
        let rest = text.dropFirst(word.count)
        switch rest.first {
        case nil, " ", ",", ";", ":": break
        case "-", "'":
            guard let after = rest.dropFirst().first, after.isASCII, after.isLowercase else { return text }
        default: return text
        }
        return word.prefix(1).uppercased() + text.dropFirst()
    }
}
