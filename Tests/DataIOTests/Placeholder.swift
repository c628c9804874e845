import XCTest

// Filled by its issue.
final class DataIOPlaceholder: XCTestCase {}
