/// The embedding lookup's seam: where a model with `embed=E` gets its token ids. Today word and
/// character data enter as one-hot rows over the vocabulary, so a token id is the column of a
/// row's single 1; a dataset or string that carries its ids can hand them to `Batch(tokens:)` and
/// `Model.forward(tokens:)` directly, without any one-hot row.
public enum Embedding {
    /// The token a one-hot row stands for: the column of its single 1, or nil when the row is not
    /// one-hot (all zeros, another value, or two ones).
    public static func tokenID(_ row: UnsafeBufferPointer<Double>) -> Int? {
        var column: Int?
        for (i, v) in row.enumerated() where v != 0 {
            guard v == 1, column == nil else { return nil }
            column = i
        }
        return column
    }

    public static func tokenID(_ row: [Double]) -> Int? { row.withUnsafeBufferPointer { tokenID($0) } }

    /// The id an all-zero x_t stands for: a word the model's vocabulary has not seen (`<unk>`, which
    /// one-hot models read as the zero vector). Its embedding is the zero vector and gets no gradient,
    /// as row `padding_idx` of an `nn.Embedding(V + 1, E, padding_idx=0)` over ids shifted by one.
    public static let unknown = -1

    /// `tokenID`, with an all-zero row read as `unknown`; nil when the row is neither.
    public static func tokenOrUnknown(_ row: [Double]) -> Int? {
        if let id = tokenID(row) { return id }
        return row.allSatisfy { $0 == 0 } ? unknown : nil
    }
}

extension Model {
    /// The token ids of a sequence of one-hot x_t, for an embedding model; an error naming the
    /// first step that is not one token of the vocabulary.
    /// `start`: the time index of the first row, for messages (a stepper reads one row at a time).
    public func tokenIDs(_ sequence: [[Double]], start: Int = 0) throws -> [Int] {
        try sequence.enumerated().map { t, x in
            let t = start + t
            guard x.count == config.input, let id = Embedding.tokenOrUnknown(x) else {
                throw ModelError(.value, "an embedding model (embed=\(config.embed ?? 0)) reads one token a step: expected x_t one-hot over its \(config.input)-token vocabulary (input=\(config.input)), found \(x.count == config.input ? "a row that is not one-hot" : "\(x.count) values") at t=\(t + 1)")
            }
            return id
        }
    }

    /// Row `token` of W_emb: x_t as the first layer reads it (zeros for `Embedding.unknown`).
    public func embedding(of token: Int) -> [Double] {
        let E = config.embed!, W = parameters[0].values
        if token == Embedding.unknown { return [Double](repeating: 0, count: E) }
        return Array(W[(token * E)..<((token + 1) * E)])
    }
}
