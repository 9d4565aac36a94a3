import XCTest
import JSON
import RNN
@testable import Store

/// One optimizer run of a twin fixture (`optimizers` in the JSON): its optimizer, learning rate and
/// clipping, as the script stepped PyTorch's optimizer.
struct TwinOptimizerRun {
    let kind: OptimizerKind
    let lr: Double
    let clipping: Clipping

    init(_ spec: JSON) {
        kind = OptimizerKind(rawValue: spec["optimizer"]!.stringValue!)!
        lr = spec["lr"]!.doubleValue!
        let clipValue = spec["clip_value"]!.doubleValue!
        switch spec["clip"]!.stringValue! {
        case "norm": clipping = .norm(clipValue)
        case "value": clipping = .value(clipValue)
        default: clipping = .none
        }
    }

    /// The script's three steps from θ: each takes ∂L/∂θ from `gradient` (which adds into the zeros
    /// it is handed), clips it as the run says and steps; `after` sees θ after steps 1 and 3.
    func threeSteps(from start: [Double], gradient: (inout [Double], [Double]) -> Void, after: (Int, [Double]) -> Void) {
        var theta = start
        var opt = Optimizer(kind, lr: lr, count: theta.count)
        for step in 1...3 {
            var grad = [Double](repeating: 0, count: theta.count)
            gradient(&grad, theta)
            clip(&grad, clipping)
            opt.step(&theta, grad)
            if step == 1 || step == 3 { after(step, theta) }
        }
    }
}

/// What every twin-fixture test reads: the state dicts the scripts in tools/torch write.
extension XCTestCase {
    /// A fixture's state dict, `{name: {shape, values}}`, as the tensors a safetensors file holds.
    func stateDict(_ j: JSON) -> [String: ModelFiles.RawTensor] {
        var out: [String: ModelFiles.RawTensor] = [:]
        for (k, v) in j.objectValue! {
            out[k] = ModelFiles.RawTensor(shape: v["shape"]!.arrayValue!.map { $0.intValue! }, values: v["values"]!.arrayValue!.map { $0.doubleValue! })
        }
        return out
    }

    /// Our state dict against the twin's: the same names and shapes, every value within 1e-9.
    func assertClose(_ ours: [(name: String, shape: [Int], values: [Double])], _ theirs: [String: ModelFiles.RawTensor], _ what: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(Set(ours.map(\.name)), Set(theirs.keys), what, file: file, line: line)
        for t in ours {
            guard let p = theirs[t.name] else { continue }
            XCTAssertEqual(t.shape, p.shape, "\(what) \(t.name)", file: file, line: line)
            let worst = zip(t.values, p.values).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThan(worst, 1e-9, "\(what) \(t.name)", file: file, line: line)
        }
    }
}
