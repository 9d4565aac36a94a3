#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A linear-chain conditional random field over K tags, as `torchcrf.CRF(K, batch_first=True)`
/// defines it: a path y_1 … y_T through the tags of one sentence scores
///   s(y) = start[y_1] + Σ_t e_t[y_t] + Σ_{t>1} A[y_{t-1}, y_t] + end[y_T]
/// where e_t are the emissions (the tagger's y_t) and A the transitions (row: from, column: to).
/// p(y | x) = exp s(y) / Z, and the loss is −log p(gold) averaged over the sentences.
public struct CRF: Equatable, Sendable {
    public let tags: Int
    /// K×K, row-major: transitions[i * K + j] is the score of tag i followed by tag j.
    public var transitions: [Double]
    public var start: [Double]
    public var end: [Double]

    public init(tags: Int, transitions: [Double], start: [Double], end: [Double]) {
        precondition(transitions.count == tags * tags && start.count == tags && end.count == tags, "CRF parameters do not fit \(tags) tags")
        self.tags = tags
        self.transitions = transitions
        self.start = start
        self.end = end
    }

    /// A(i, j): the score of tag i followed by tag j.
    @inline(__always) public func A(_ i: Int, _ j: Int) -> Double { transitions[i * tags + j] }

    /// log Σ exp, shifted by the largest term so nothing overflows.
    public static func logSumExp(_ v: [Double]) -> Double {
        guard let m = v.max(), m.isFinite else { return v.max() ?? -.infinity }
        var s = 0.0
        for x in v { s += exp(x - m) }
        return m + log(s)
    }

    /// The score of one path; `emissions` is T rows of K scores.
    public func score(emissions: [[Double]], path: [Int]) -> Double {
        precondition(path.count == emissions.count && !path.isEmpty)
        var s = start[path[0]] + emissions[0][path[0]]
        for t in 1..<path.count { s += A(path[t - 1], path[t]) + emissions[t][path[t]] }
        return s + end[path[path.count - 1]]
    }

    /// The forward algorithm: α_1 = start + e_1, α_t[j] = logsumexp_i(α_{t-1}[i] + A(i, j)) + e_t[j];
    /// log Z = logsumexp_j(α_T[j] + end[j]). Returns every α_t (T rows of K) and log Z.
    public func forward(emissions: [[Double]]) -> (alpha: [[Double]], logZ: Double) {
        let K = tags
        var alpha: [[Double]] = [zip(start, emissions[0]).map { $0 + $1 }]
        alpha.reserveCapacity(emissions.count)
        var terms = [Double](repeating: 0, count: K)
        for t in 1..<max(1, emissions.count) {
            let prev = alpha[t - 1]
            var next = [Double](repeating: 0, count: K)
            for j in 0..<K {
                for i in 0..<K { terms[i] = prev[i] + A(i, j) }
                next[j] = CRF.logSumExp(terms) + emissions[t][j]
            }
            alpha.append(next)
        }
        let last = alpha[alpha.count - 1]
        return (alpha, CRF.logSumExp(zip(last, end).map { $0 + $1 }))
    }

    /// The backward recursion: β_T = end, β_t[i] = logsumexp_j(A(i, j) + e_{t+1}[j] + β_{t+1}[j]).
    public func backward(emissions: [[Double]]) -> [[Double]] {
        let K = tags, T = emissions.count
        var beta = [[Double]](repeating: end, count: T)
        var terms = [Double](repeating: 0, count: K)
        var t = T - 2
        while t >= 0 {
            for i in 0..<K {
                for j in 0..<K { terms[j] = A(i, j) + emissions[t + 1][j] + beta[t + 1][j] }
                beta[t][i] = CRF.logSumExp(terms)
            }
            t -= 1
        }
        return beta
    }

    /// What Viterbi found: δ_t (the best score of a path ending in each tag at t), the back-pointers
    /// ψ_t (the best previous tag, for t > 1), the best path and its score.
    public struct Viterbi: Equatable, Sendable {
        public var delta: [[Double]]
        public var backPointers: [[Int]]
        public var path: [Int]
        public var score: Double
    }

    /// δ_1 = start + e_1, δ_t[j] = max_i(δ_{t-1}[i] + A(i, j)) + e_t[j], ψ_t[j] = argmax_i (the first
    /// of equal scores, as torch.max); the path ends at argmax_j(δ_T[j] + end[j]) and follows ψ back.
    public func viterbi(emissions: [[Double]]) -> Viterbi {
        let K = tags, T = emissions.count
        var delta: [[Double]] = [zip(start, emissions[0]).map { $0 + $1 }]
        var psi: [[Int]] = []
        for t in 1..<max(1, T) {
            var next = [Double](repeating: 0, count: K), from = [Int](repeating: 0, count: K)
            for j in 0..<K {
                var best = -Double.infinity, arg = 0
                for i in 0..<K where delta[t - 1][i] + A(i, j) > best {
                    best = delta[t - 1][i] + A(i, j)
                    arg = i
                }
                next[j] = best + emissions[t][j]
                from[j] = arg
            }
            delta.append(next)
            psi.append(from)
        }
        var best = -Double.infinity, last = 0
        for j in 0..<K where delta[T - 1][j] + end[j] > best {
            best = delta[T - 1][j] + end[j]
            last = j
        }
        var path = [last]
        for t in stride(from: T - 2, through: 0, by: -1) { path.append(psi[t][path[path.count - 1]]) }
        return Viterbi(delta: delta, backPointers: psi, path: path.reversed(), score: best)
    }

    /// ∂L/∂ every CRF parameter and every emission, for L the mean over sentences of −log p(gold).
    public struct Gradient: Equatable, Sendable {
        public var transitions: [Double]
        public var start: [Double]
        public var end: [Double]
        /// One T_n × K block per sentence.
        public var emissions: [[[Double]]]
    }

    /// The loss −(1/N) Σ_n [s(gold_n) − log Z_n] and its gradient: for each sentence, the expected
    /// counts under p (the marginals from α and β) minus the gold path's counts, divided by N.
    /// Sentences may have different lengths, as a mask gives them in pytorch-crf.
    public func loss(_ batch: [(emissions: [[Double]], tags: [Int])]) -> (loss: Double, gradient: Gradient) {
        let K = tags, N = Double(batch.count)
        var g = Gradient(transitions: [Double](repeating: 0, count: K * K), start: [Double](repeating: 0, count: K),
                         end: [Double](repeating: 0, count: K), emissions: [])
        var total = 0.0
        for (e, y) in batch {
            let T = e.count
            let (alpha, logZ) = forward(emissions: e)
            let beta = backward(emissions: e)
            total += logZ - score(emissions: e, path: y)
            var dE = [[Double]](repeating: [Double](repeating: 0, count: K), count: T)
            for t in 0..<T {
                // p(y_t = j) = exp(α_t[j] + β_t[j] − log Z)
                for j in 0..<K { dE[t][j] = exp(alpha[t][j] + beta[t][j] - logZ) / N }
                dE[t][y[t]] -= 1 / N
            }
            for j in 0..<K {
                // start and e_1 share their marginal, and their gold count: dE[0] already holds both.
                g.start[j] += dE[0][j]
                g.end[j] += exp(alpha[T - 1][j] + end[j] - logZ) / N
            }
            g.end[y[T - 1]] -= 1 / N
            for t in 1..<max(1, T) {
                // p(y_{t-1} = i, y_t = j) = exp(α_{t-1}[i] + A(i, j) + e_t[j] + β_t[j] − log Z)
                for i in 0..<K {
                    for j in 0..<K {
                        g.transitions[i * K + j] += exp(alpha[t - 1][i] + A(i, j) + e[t][j] + beta[t][j] - logZ) / N
                    }
                }
                g.transitions[y[t - 1] * K + y[t]] -= 1 / N
            }
            g.emissions.append(dE)
        }
        return (total / N, g)
    }
}

extension CRF {
    /// One sentence's −log p(gold) = log Z − s(gold), on raw storage, for the engine's training
    /// loop: emissions row t at `e + t·stride` (K scores), gold tag t at `gold[t·goldStride]`;
    /// `alpha` and `beta` are T·K of workspace. With `dE` (same layout as `e`), `dA` (K×K),
    /// `dStart` and `dEnd` given, adds `scale` × the gradient into them: the marginals minus the
    /// gold path's counts, as `loss(_:)` computes it.
    public static func addSentenceLoss(K: Int, T: Int, A: UnsafePointer<Double>, start: UnsafePointer<Double>, end: UnsafePointer<Double>,
                                       e: UnsafePointer<Double>, stride: Int, gold: UnsafePointer<Int>, goldStride: Int,
                                       alpha: UnsafeMutablePointer<Double>, beta: UnsafeMutablePointer<Double>, scale: Double,
                                       dE: UnsafeMutablePointer<Double>?, dA: UnsafeMutablePointer<Double>?,
                                       dStart: UnsafeMutablePointer<Double>?, dEnd: UnsafeMutablePointer<Double>?) -> Double {
        @inline(__always) func lse(_ terms: (Int) -> Double) -> Double {
            var m = -Double.infinity
            for i in 0..<K { m = max(m, terms(i)) }
            guard m.isFinite else { return m }
            var s = 0.0
            for i in 0..<K { s += exp(terms(i) - m) }
            return m + log(s)
        }
        for j in 0..<K { alpha[j] = start[j] + e[j] }
        for t in 1..<max(1, T) {
            let prev = alpha + (t - 1) * K, next = alpha + t * K, et = e + t * stride
            for j in 0..<K { next[j] = lse { prev[$0] + A[$0 * K + j] } + et[j] }
        }
        let last = alpha + (T - 1) * K
        let logZ = lse { last[$0] + end[$0] }
        var s = start[gold[0]] + e[gold[0]]
        for t in 1..<max(1, T) { s += A[gold[(t - 1) * goldStride] * K + gold[t * goldStride]] + e[t * stride + gold[t * goldStride]] }
        s += end[gold[(T - 1) * goldStride]]
        guard let dE, let dA, let dStart, let dEnd else { return logZ - s }
        for i in 0..<K { beta[(T - 1) * K + i] = end[i] }
        var t = T - 2
        while t >= 0 {
            let b1 = beta + (t + 1) * K, e1 = e + (t + 1) * stride, bt = beta + t * K
            for i in 0..<K { bt[i] = lse { A[i * K + $0] + e1[$0] + b1[$0] } }
            t -= 1
        }
        for t in 0..<T {
            let d = dE + t * stride, at = alpha + t * K, bt = beta + t * K
            for j in 0..<K { d[j] += scale * exp(at[j] + bt[j] - logZ) }
            d[gold[t * goldStride]] -= scale
        }
        for j in 0..<K {
            dStart[j] += scale * exp(alpha[j] + beta[j] - logZ)
            dEnd[j] += scale * exp(last[j] + end[j] - logZ)
        }
        dStart[gold[0]] -= scale
        dEnd[gold[(T - 1) * goldStride]] -= scale
        for t in 1..<max(1, T) {
            let ap = alpha + (t - 1) * K, et = e + t * stride, bt = beta + t * K
            for i in 0..<K {
                let base = ap[i] - logZ
                for j in 0..<K { dA[i * K + j] += scale * exp(base + A[i * K + j] + et[j] + bt[j]) }
            }
            dA[gold[(t - 1) * goldStride] * K + gold[t * goldStride]] -= scale
        }
        return logZ - s
    }
}
