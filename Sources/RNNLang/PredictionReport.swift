import RNN

/// What `predict NAME on DATA` reports about class and tag outputs: each example's score, the
/// confusion of true against predicted classes, and the order the rows are listed in (examples
/// with a mistake first, so a lesson's one wrong sentence is never hidden past the first rows).
/// Numbers and next-symbol (language model) data get none of it and keep the data's order.
struct PredictionReport {
    /// Example indices in listing order.
    var order: [Int]
    /// Per example: targets predicted right, and targets (1 for one class a sequence, one a step for tags).
    var scores: [Int: (right: Int, of: Int)] = [:]
    var confusion: ConfusionMatrix?
    /// Examples with at least one mistake.
    var wrongExamples = 0
    let names: [String]?

    /// `paths`: a CRF tagger's Viterbi tags, which are its predictions (not each y_t's argmax).
    init(_ data: Dataset, outputs: [[[Double]]], paths: [[Int]]? = nil) {
        names = data.classNames
        order = Array(0..<data.count)
        guard data.isClassification, !data.isLanguageModel else { return }
        var truths: [[Int]] = [], predictions: [[Int]] = []
        for (e, y) in outputs.enumerated() {
            switch data.targets {
            case let .classes(c): truths.append([c[e]]); predictions.append([argmax(y.last!)])
            case let .classSequences(c):
                truths.append(c[e])
                predictions.append(paths.map { p in c[e].indices.map { p[e][$0] } } ?? c[e].indices.map { argmax(y[$0]) })
            default: return
            }
        }
        // Every class the data names, and any other the model predicts or the data uses.
        let seen = (truths + predictions).flatMap { $0 }.max() ?? 0
        var matrix = ConfusionMatrix(classes: max(names?.count ?? 0, seen + 1, 1))
        var wrong: [Int] = [], right: [Int] = []
        for e in truths.indices {
            var ok = 0
            for (t, p) in zip(truths[e], predictions[e]) {
                matrix.add(truth: t, predicted: p)
                if t == p { ok += 1 }
            }
            scores[e] = (ok, truths[e].count)
            if ok < truths[e].count { wrong.append(e) } else { right.append(e) }
        }
        confusion = matrix
        wrongExamples = wrong.count
        order = wrong + right
    }

    /// A class's name (its index when the data names none).
    func label(_ k: Int) -> String { names.map { k < $0.count ? $0[k] : String(k) } ?? String(k) }
}
