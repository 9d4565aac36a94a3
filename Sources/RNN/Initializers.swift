#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Model {
    /// A model whose parameters are drawn by `config.initializer` from `rng`, in canonical order.
    ///
    /// - uniform: U(-1/√H, 1/√H) for the recurrent weights and biases (PyTorch's RNN default), and
    ///   U(-1/√fan_in, 1/√fan_in) for W_hy and b_y (PyTorch's Linear default).
    /// - xavier: U(-a, a), a = √(6/(fan_in+fan_out)) for matrices; biases 0.
    /// - he: N(0, 2/fan_in) for matrices; biases 0.
    /// - orthogonal: matrices with orthonormal rows or columns (Gram–Schmidt on normal draws); biases 0.
    /// - normal: N(0, 0.01) (standard deviation 0.1) for matrices; biases 0.
    /// - zeros, ones: every parameter 0 or 1.
    /// - W_emb (an embedding model's table) is N(0, 1) as nn.Embedding draws it, except with zeros or ones.
    /// - a CRF's transitions, start and end scores: U(−0.1, 0.1) (torchcrf's), except under zeros and ones.
    /// - identity (IRNN, Le, Jaitly & Hinton 2015): every recurrent W_h· is the H×H identity and
    ///   every cell bias 0; the input weights W_x· and the output layer W_hy, b_y are drawn as
    ///   `uniform` (PyTorch's defaults), which is what `nn.init.eye_(weight_hh)` plus zeroed biases gives.
    public init(config: CellConfig, rng: inout SplitMix64) {
        self.init(zerosFor: config)
        let specs = config.parameterSpecs
        if let bow = config.bow {
            // nn.Linear(terms, C): W and b both U(−1/√terms, 1/√terms).
            let a = 1 / Double(max(bow.termCount, 1)).squareRoot()
            for (k, spec) in specs.enumerated() { parameters[k] = Tensor(shape: spec.shape, values: (0..<spec.count).map { _ in rng.uniform(-a, a) }) }
            return
        }
        for (k, spec) in specs.enumerated() {
            let isMatrix = spec.shape.count == 2
            let isOutput = spec.name == "W_hy" || spec.name == "b_y"
            let fanIn = isOutput ? config.stateWidth : (isMatrix ? spec.shape[1] : config.hidden)
            var v = [Double](repeating: 0, count: spec.count)
            // W_emb: N(0, 1) as nn.Embedding draws it (zeros and ones still give zeros and ones).
            if spec.name == "W_emb", config.initializer != .zeros, config.initializer != .ones {
                for i in v.indices { v[i] = rng.normal() }
                parameters[k] = Tensor(shape: spec.shape, values: v)
                continue
            }
            if CellConfig.crfNames.contains(spec.name) && config.initializer != .zeros && config.initializer != .ones {
                // torchcrf.CRF's reset_parameters: U(−0.1, 0.1) whatever the cell's init.
                for i in v.indices { v[i] = rng.uniform(-0.1, 0.1) }
                parameters[k] = Tensor(shape: spec.shape, values: v)
                continue
            }
            switch config.initializer {
            case .uniform:
                let a = 1.0 / Double(isOutput ? fanIn : config.hidden).squareRoot()
                for i in v.indices { v[i] = rng.uniform(-a, a) }
            case .zeros:
                break
            case .ones:
                for i in v.indices { v[i] = 1 }
            case .xavier where isMatrix:
                let a = (6.0 / Double(spec.shape[0] + spec.shape[1])).squareRoot()
                for i in v.indices { v[i] = rng.uniform(-a, a) }
            case .he where isMatrix:
                let sd = (2.0 / Double(spec.shape[1])).squareRoot()
                for i in v.indices { v[i] = sd * rng.normal() }
            case .normal where isMatrix:
                for i in v.indices { v[i] = 0.1 * rng.normal() }
            case .orthogonal where isMatrix:
                v = orthogonalMatrix(rows: spec.shape[0], cols: spec.shape[1], rng: &rng)
            case .identity:
                if isMatrix && spec.name.hasPrefix("W_h") && !isOutput {
                    for i in 0..<spec.shape[0] { v[i * spec.shape[1] + i] = 1 }
                } else if isMatrix || isOutput {
                    let a = 1.0 / Double(isOutput ? fanIn : config.hidden).squareRoot()
                    for i in v.indices { v[i] = rng.uniform(-a, a) }
                }  // cell biases start at zero
            case .xavier, .he, .normal, .orthogonal:
                break  // biases start at zero
            }
            parameters[k] = Tensor(shape: spec.shape, values: v)
        }
    }
}

/// A rows×cols matrix with orthonormal rows (rows ≤ cols) or columns (rows > cols), by Gram–Schmidt
/// on normal draws; a draw too close to dependent is redrawn.
func orthogonalMatrix(rows: Int, cols: Int, rng: inout SplitMix64) -> [Double] {
    let tall = rows > cols
    let n = tall ? cols : rows, m = tall ? rows : cols  // n orthonormal vectors of length m
    var basis: [[Double]] = []
    while basis.count < n {
        var v = (0..<m).map { _ in rng.normal() }
        for b in basis {
            var d = 0.0
            for i in 0..<m { d += v[i] * b[i] }
            for i in 0..<m { v[i] -= d * b[i] }
        }
        var norm = 0.0
        for x in v { norm += x * x }
        norm = norm.squareRoot()
        if norm < 1e-8 { continue }
        basis.append(v.map { $0 / norm })
    }
    var out = [Double](repeating: 0, count: rows * cols)
    for r in 0..<rows {
        for c in 0..<cols { out[r * cols + c] = tall ? basis[c][r] : basis[r][c] }
    }
    return out
}
