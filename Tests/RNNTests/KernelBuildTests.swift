import XCTest
import VectorKernels
@testable import RNN

/// Training on every kernel build this processor runs (ISA.available: baseline, avx2, avx512 on
/// this project's machine) gives the same bits: every loss and every weight after a few steps, for
/// each cell kind, on blocked shards (four rows or more) and on single rows, with rows whose widths
/// leave every vector tail.
final class KernelBuildTests: XCTestCase {
    /// Random sequences of 9 to 12 steps (masking), inputs in (−1, 1), a class at every step.
    func data(sequences: Int, width: Int, classes: Int) -> Dataset {
        var rng = SplitMix64(seed: 17)
        var inputs: [[[Double]]] = [], targets: [[Int]] = []
        for e in 0..<sequences {
            let T = 9 + e % 4
            inputs.append((0..<T).map { _ in (0..<width).map { _ in rng.uniform(-1, 1) } })
            targets.append((0..<T).map { _ in rng.below(classes) })
        }
        return Dataset(name: "t", summary: "t", inputs: inputs, targets: .classSequences(targets))
    }

    func testEveryKernelBuildTrainsToTheSameBits() throws {
        let builds = ISA.available
        defer { ISA.use(builds.last!) }
        if builds.count == 1 { print("KernelBuildTests: only \(builds[0]) runs here; nothing to compare it with") }
        let configs = [CellConfig(kind: .lstm, input: 3, hidden: 13, output: 4),
                       CellConfig(kind: .gru, input: 3, hidden: 21, output: 4, layers: 2),
                       CellConfig(kind: .rnn, input: 3, hidden: 9, output: 4, bidirectional: true),
                       // Wider than one single-row panel on every build (40, or 56 with AVX-512).
                       CellConfig(kind: .rnn, input: 3, hidden: 61, output: 4)]
        for config in configs {
            for (batch, sequences) in [(1, 3), (20, 20)] {
                let d = data(sequences: sequences, width: 3, classes: 4)
                var runs: [(isa: ISA, losses: [Double], theta: [Double])] = []
                for isa in builds {
                    ISA.use(isa)
                    var rng = SplitMix64(seed: 7)
                    let model = Model(config: config, rng: &rng)
                    var options = TrainOptions()
                    options.epochs = 2
                    options.batch = batch
                    options.clipping = .norm(1)
                    let r = try model.train(on: d, options: options)
                    runs.append((isa, r.losses, r.model.flatValues))
                }
                let first = runs[0]
                for run in runs.dropFirst() {
                    let what = "\(config.kind) layers=\(config.layers) bidirectional=\(config.bidirectional) batch=\(batch): \(run.isa) against \(first.isa)"
                    XCTAssertEqual(run.losses.map(\.bitPattern), first.losses.map(\.bitPattern), what + ", losses")
                    XCTAssertEqual(run.theta.map(\.bitPattern), first.theta.map(\.bitPattern), what + ", weights")
                }
            }
        }
    }
}
