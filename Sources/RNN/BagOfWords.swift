#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `cell base = bow(output=C, features=count|tfidf, ngram=N)`: a linear classifier (softmax
/// regression) on the classic text features of a sentence, logits = W φ(sentence) + b, as
/// `nn.Linear(terms, C)` computes them. The model reads the same one-hot words as an RNN; φ
/// counts its n-gram terms (or weighs them by TF-IDF), so it cannot see word order within them.
public struct BagOfWords: Equatable, Sendable {
    /// What φ holds for each term.
    public enum Features: String, CaseIterable, Sendable {
        /// How often the term occurs in the sentence.
        case count
        /// TF-IDF, with the IDF fitted on the data that fixed the terms (`style`: the course's or scikit-learn's).
        case tfidf
    }

    public var features: Features
    public var style: TFIDFStyle
    /// n of the n-grams that are the terms (1: words).
    public var ngram: Int
    /// Each term as the one-hot columns of its words, in W's column order; empty until the first data fixes them.
    public private(set) var terms: [[Int]]
    /// tfidf: each term's IDF, fitted on the data that fixed the terms; empty for counts.
    public private(set) var idf: [Double]
    private var column: [[Int]: Int]

    public init(features: Features, style: TFIDFStyle = .course, ngram: Int, terms: [[Int]] = [], idf: [Double] = []) {
        self.features = features
        self.style = style
        self.ngram = ngram
        self.terms = terms
        self.idf = idf
        column = Dictionary(terms.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    }

    public static func == (a: BagOfWords, b: BagOfWords) -> Bool {
        a.features == b.features && a.style == b.style && a.ngram == b.ngram && a.terms == b.terms && a.idf == b.idf
    }

    /// The width of φ: how many terms W has columns for.
    public var termCount: Int { terms.count }

    /// The n-grams of one sentence given as word columns (nil for `<unk>`): an n-gram with an
    /// unknown word is kept as nil, so it counts in TF's denominator but matches no term.
    func grams(_ words: [Int?]) -> [[Int]?] {
        guard words.count >= ngram else { return [] }
        return (0...(words.count - ngram)).map { s in
            let g = words[s..<(s + ngram)]
            return g.contains(where: { $0 == nil }) ? nil : g.map { $0! }
        }
    }

    /// The terms and (tfidf) IDF fitted on sentences of word columns: terms in the order they first
    /// appear, as `bow(DATA)` and `tfidf(DATA)` order their columns, and IDF by the chosen formula.
    public func fitted(on documents: [[Int?]]) -> BagOfWords {
        var seen = Set<[Int]>(), order: [[Int]] = []
        for d in documents { for case let g? in grams(d) where seen.insert(g).inserted { order.append(g) } }
        var fit = BagOfWords(features: features, style: style, ngram: ngram, terms: order)
        if features == .tfidf {
            var df = [Double](repeating: 0, count: order.count)
            for d in documents {
                var inDoc = Set<Int>()
                for case let g? in fit.grams(d) { if let c = fit.column[g] { inDoc.insert(c) } }
                for c in inDoc { df[c] += 1 }
            }
            let n = Double(documents.count)
            fit.idf = df.map { style == .course ? log(n / (1 + $0)) : log((1 + n) / (1 + $0)) + 1 }
        }
        return fit
    }

    /// φ of one sentence, and how many of its n-grams are not terms (unseen, or with an `<unk>` word).
    public func features(of words: [Int?]) -> (phi: [Double], unseen: Int) {
        let f = sparseFeatures(of: words)
        var phi = [Double](repeating: 0, count: terms.count)
        for (c, v) in zip(f.columns, f.values) { phi[c] = v }
        return (phi, f.unseen)
    }

    /// φ's terms that occur in the sentence, by increasing column, with their values: a sentence
    /// has a few of the many terms, so training keeps only these.
    public func sparseFeatures(of words: [Int?]) -> (columns: [Int], values: [Double], unseen: Int) {
        let g = grams(words)
        var counts: [Int: Double] = [:]
        var unseen = 0
        for gram in g {
            if let gram, let c = column[gram] { counts[c, default: 0] += 1 } else { unseen += 1 }
        }
        let columns = counts.keys.sorted()
        var values = columns.map { counts[$0]! }
        guard features == .tfidf else { return (columns, values, unseen) }
        switch style {
        case .course:
            // TF = count / n-grams in the sentence (all of them, unseen ones too), as tfidf(DATA) divides.
            let length = Double(max(g.count, 1))
            for (k, c) in columns.enumerated() { values[k] = values[k] / length * idf[c] }
        case .sklearn:
            for (k, c) in columns.enumerated() { values[k] *= idf[c] }
            let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if norm > 0 { for k in values.indices { values[k] /= norm } }
        }
        return (columns, values, unseen)
    }

    /// Every sentence's φ in compressed rows: row e's terms are `columns[offsets[e]..<offsets[e+1]]`.
    public struct Rows: Sendable {
        public var termCount: Int
        public var offsets: [Int] = [0]
        public var columns: [Int] = []
        public var values: [Double] = []

        /// The rows as a dense examples × terms matrix, row-major.
        public var dense: [Double] {
            var out = [Double](repeating: 0, count: (offsets.count - 1) * termCount)
            for e in 0..<(offsets.count - 1) { for k in offsets[e]..<offsets[e + 1] { out[e * termCount + columns[k]] = values[k] } }
            return out
        }
    }

    /// The word columns of a sequence of one-hot x_t (an all-zero x_t, `<unk>`, is nil).
    public static func words(_ sequence: [[Double]]) -> [Int?] { sequence.map(Embedding.tokenID) }

    /// The mean cross-entropy of logits W φ_e + b against classes over `indices`, adding its
    /// gradient (W's C×T, then b's C, the canonical order) into `gradient` when given. Only φ_e's
    /// terms are visited, in increasing column order (so the sums are those of the dense product).
    static func loss(_ theta: UnsafeBufferPointer<Double>, classes C: Int, phi: Rows, targets: [Int],
                     indices: [Int], gradient: UnsafeMutablePointer<Double>?) -> Double {
        let T = phi.termCount
        let W = theta.baseAddress!, b = W + C * T
        var z = [Double](repeating: 0, count: C)
        var total = 0.0
        let scale = 1 / Double(indices.count)
        phi.columns.withUnsafeBufferPointer { col in
        phi.values.withUnsafeBufferPointer { val in
            for e in indices {
                let start = phi.offsets[e], end = phi.offsets[e + 1]
                for c in 0..<C {
                    var s = b[c]
                    let w = W + c * T
                    for k in start..<end { s += w[col[k]] * val[k] }
                    z[c] = s
                }
                let m = z.max()!
                var sum = 0.0
                for c in 0..<C { sum += exp(z[c] - m) }
                let logZ = m + log(sum)
                let y = targets[e]
                total += logZ - z[y]
                guard let g = gradient else { continue }
                for c in 0..<C {
                    let d = (exp(z[c] - logZ) - (c == y ? 1 : 0)) * scale
                    let gw = g + c * T
                    for k in start..<end { gw[col[k]] += d * val[k] }
                    g[C * T + c] += d
                }
            }
        }
        }
        return total * scale
    }
}

extension Model {
    /// Every example's φ, for a bow model.
    func bagFeatures(_ data: Dataset) -> BagOfWords.Rows {
        var rows = BagOfWords.Rows(termCount: config.bow?.termCount ?? 0)
        guard let bow = config.bow else { return rows }
        for seq in data.inputs {
            let f = bow.sparseFeatures(of: BagOfWords.words(seq))
            rows.columns += f.columns
            rows.values += f.values
            rows.offsets.append(rows.columns.count)
        }
        return rows
    }

    /// A bow model's mean loss over `indices` (and its gradient), read from precomputed φ rows.
    func bagLoss(_ theta: [Double], phi: BagOfWords.Rows, data: Dataset, indices: [Int], gradient: UnsafeMutablePointer<Double>?) -> Double {
        guard case let .classes(k) = data.targets else { return .nan }
        return theta.withUnsafeBufferPointer {
            BagOfWords.loss($0, classes: config.outputWidth, phi: phi, targets: k, indices: indices, gradient: gradient)
        }
    }

    /// A bow model's forward pass over one sentence: one "step" whose state is φ and whose y is W φ + b.
    func bagForward(_ sequence: [[Double]], _ bow: BagOfWords) throws -> ForwardTrace {
        try validate(sequence: sequence)
        let phi = bow.features(of: BagOfWords.words(sequence)).phi
        let W = parameters[0], b = parameters[1]
        let z = affine(W.values, rows: W.rows, cols: W.cols, phi, b.values)
        let y: [Double]
        switch config.outputActivation {
        case .identity: y = z
        case .softmax: y = softmax(z)
        case .sigmoid: y = z.map(sigmoid)
        }
        return ForwardTrace(layers: [], states: [phi], logits: [z], outputs: [y])
    }

    /// Refuses a statement that needs time steps or a recurrent state, naming what a bow model does.
    public func requireRecurrent(_ what: String) throws {
        guard config.bow != nil else { return }
        throw ModelError(.value, "a bow model has no time steps, hidden state or gradients through time to \(what): it counts a sentence's terms and classifies them (logits = W φ + b); train, predict, show and plot it, or use an rnn, lstm or gru cell for \(what)")
    }
}
