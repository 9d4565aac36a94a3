/// A tagger with `crf=true`: its y_t are the CRF's emissions, and its tags come from Viterbi.
extension Model {
    /// The CRF of a `crf=true` model, from its parameters; nil otherwise.
    public var crf: CRF? {
        guard config.crf, let A = parameter("transitions"), let s = parameter("start_transitions"), let e = parameter("end_transitions") else { return nil }
        return CRF(tags: config.outputWidth, transitions: A.values, start: s.values, end: e.values)
    }

    /// The emissions of one sentence (the logits y_t), T rows of K.
    public func emissions(_ sequence: [[Double]]) throws -> [[Double]] {
        try forward(sequence).logits
    }

    /// Viterbi over one sentence's emissions: δ_t, the back-pointers and the best path.
    public func viterbi(_ sequence: [[Double]]) throws -> CRF.Viterbi {
        guard let crf else { throw ModelError(.value, "expected a model with crf=true") }
        return crf.viterbi(emissions: try emissions(sequence))
    }

    /// The best tag path of every example: Viterbi with a CRF, the argmax of each y_t without.
    public func decode(_ data: Dataset) throws -> [[Int]] {
        var out: [[Int]] = []
        out.reserveCapacity(data.count)
        for (e, seq) in data.inputs.enumerated() {
            if e & 63 == 63 { try Interruption.check() }
            if let crf {
                out.append(crf.viterbi(emissions: try emissions(seq)).path)
            } else {
                out.append(try forward(seq).logits.map(argmax))
            }
        }
        return out
    }

    /// Refuses what a CRF cannot read: it scores a tag per step of class targets.
    func checkCRF(_ data: Dataset, loss: Loss) throws {
        guard config.crf else { return }
        guard case .classSequences = data.targets else {
            throw ModelError(.value, "a crf=true model tags every step: it needs tagged data (a class per step, as tagged(...) gives), found \(data.isManyToMany ? "numbers per step" : "one target per sequence")")
        }
        if loss == .mse { throw ModelError(.value, "a crf=true model's loss is the CRF's negative log-likelihood; loss=mse does not apply", about: .option("loss")) }
        if config.outputActivation != .identity {
            throw ModelError(.value, "a crf=true model reads y_t as emission scores: output_activation=\(config.outputActivation.rawValue) does not apply")
        }
    }
}
