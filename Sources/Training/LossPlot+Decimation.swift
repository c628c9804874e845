extension LossPlot {
  /// At most `limit` of `points` (in x order) for drawing, so that a plot of a long run costs
  /// the same as one of a short run: the first and last points, and from each of
  /// `(limit - 2) / 2` equal runs of the points between them the lowest and the highest, in x
  /// order (min-max decimation). A spike or a dip survives, and so does the curve's envelope;
  /// the curve's minimum and maximum are always drawn.
  static func decimated(_ points: [(x: Double, y: Double)], to limit: Int = 1000)
    -> [(x: Double, y: Double)]
  {
    precondition(limit >= 4, "decimation keeps at least the ends and one bucket's two extremes")
    guard points.count > limit else { return points }
    let interior = 1..<(points.count - 1)
    let buckets = (limit - 2) / 2
    var kept = [points[0]]
    kept.reserveCapacity(limit)
    for bucket in 0..<buckets {
      let start = interior.lowerBound + bucket * interior.count / buckets
      let end = interior.lowerBound + (bucket + 1) * interior.count / buckets
      guard start < end else { continue }
      var (lowest, highest) = (start, start)
      for i in start..<end {
        if points[i].y < points[lowest].y { lowest = i }
        if points[i].y > points[highest].y { highest = i }
      }
      kept.append(points[Swift.min(lowest, highest)])
      if lowest != highest { kept.append(points[Swift.max(lowest, highest)]) }
    }
    kept.append(points[points.count - 1])
    return kept
  }
}
