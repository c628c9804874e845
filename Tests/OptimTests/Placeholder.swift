import XCTest

// Filled by its issue.
final class OptimPlaceholder: XCTestCase {}
