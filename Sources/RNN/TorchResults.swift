/// PyTorch's two results of `output, h_n = rnn(x)` (and lstm's `c_n`), read off a forward trace,
/// so `unroll` can show "output vs hidden" (course article 004) with the numbers nn.RNN returns.
extension ForwardTrace {
    /// `output[0, t]`: the top layer's h_t at every t, [forward ; reverse] when bidirectional.
    public var output: [[Double]] { states }

    /// The layer-directions in PyTorch's order for h_n: layer 0 forward, layer 0 reverse, layer 1 forward, …
    var pytorchOrder: [LayerTrace] { layers.sorted { ($0.layer, $0.direction) < ($1.layer, $1.direction) } }

    /// `h_n[k, 0]`: the state after the last step each layer and direction computed (a reverse
    /// direction's last step reads t = 1), k = layer · directions + direction.
    public var hN: [[Double]] { pytorchOrder.map { $0.steps.last?.h ?? [] } }

    /// lstm's `c_n[k, 0]` in the same order; nil for rnn and gru.
    public var cN: [[Double]]? {
        guard layers.first?.steps.first?.c != nil else { return nil }
        return pytorchOrder.map { $0.steps.last?.c ?? [] }
    }

    /// The time index (0-based) at which each h_n entry was computed: T-1 forward, 0 reverse.
    public var hNSteps: [Int] { pytorchOrder.map { $0.steps.last?.t ?? 0 } }
}
