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
        try requireRecurrent("generate")
        guard !config.bidirectional else {
            throw ModelError(.value, "generating needs a one-directional model: a bidirectional one reads the future, which is not written yet", about: .model)
        }
        guard config.outputWidth == config.input else {
            throw ModelError(.shape, "generating feeds y_t back as x_{t+1}, so y_t must be as wide as x_t: the model has input=\(config.input) and y_t of width \(config.outputWidth)\(config.output == nil ? " (no output layer: y_t = h_t)" : "")", about: .model)
        }
        guard steps >= 1 else { throw ModelError(.value, "expected steps to be at least 1, found \(steps)") }
        try validate(sequence: given)
        // Each value costs one step: the stepper keeps every layer's h_t (and an lstm's c_t).
        var stepper = try ModelStepper(self)
        var givenOutputs: [[Double]] = []
        for x in given {
            try Interruption.check()
            givenOutputs.append(try stepper.step(x).output)
        }
        var generated = [givenOutputs.last!]
        while generated.count < steps {
            let y = generated.last!
            guard y.allSatisfy(\.isFinite) else {
                throw ModelError(.value, "the generated values became NaN or infinite after \(generated.count) steps", about: .statement)
            }
            try Interruption.check()
            generated.append(try stepper.step(y).output)
        }
        return Generation(given: given, givenOutputs: givenOutputs, generated: generated)
    }
}
