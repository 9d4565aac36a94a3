/// One-to-many generation: what `generate NAME from SEQ steps=N` computes.
public struct Generation: Equatable, Sendable {
    /// The given steps x_1…x_T.
    public var given: [[Double]]
    /// y_1…y_T on the given steps (y_t predicts x_{t+1}).
    public var givenOutputs: [[Double]]
    /// The N generated values: y_T, then each y_t computed with x_t = y_{t-1} fed back.
    public var generated: [[Double]]
}

extension Model {
    /// Runs the model over `given`, then feeds each output back as the next input for `steps`
    /// values: x_{T+1} = y_T, x_{T+2} = y_{T+1}, … (y_t after output_activation, as unroll shows it).
    public func generate(from given: [[Double]], steps: Int) throws -> Generation {
        guard !config.bidirectional else {
            throw ModelError(.value, "generating needs a one-directional model: a bidirectional one reads the future, which is not written yet", about: .model)
        }
        guard config.outputWidth == config.input else {
            throw ModelError(.shape, "generating feeds y_t back as x_{t+1}, so y_t must be as wide as x_t: the model has input=\(config.input) and y_t of width \(config.outputWidth)\(config.output == nil ? " (no output layer: y_t = h_t)" : "")", about: .model)
        }
        guard steps >= 1 else { throw ModelError(.value, "expected steps to be at least 1, found \(steps)") }
        let first = try forward(given)
        var sequence = given
        var generated = [first.outputs.last!]
        // The whole prefix is re-read each step, as sample does: exact for every cell kind (an lstm's
        // c_t included) and fast enough at teaching sizes.
        while generated.count < steps {
            let y = generated.last!
            guard y.allSatisfy(\.isFinite) else {
                throw ModelError(.value, "the generated values became NaN or infinite after \(generated.count) steps", about: .statement)
            }
            sequence.append(y)
            generated.append(try forward(sequence).outputs.last!)
        }
        return Generation(given: given, givenOutputs: first.outputs, generated: generated)
    }
}
