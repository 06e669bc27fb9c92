package dev.jcri.sandbox.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class PressureTest {

  @Test
  void parse_someAndFull() {
    Pressure.Stall s = Pressure.parse("""
        some avg10=1.50 avg60=0.25 avg300=0.00 total=123456
        full avg10=0.00 avg60=0.00 avg300=0.00 total=42
        """);
    assertEquals(new Pressure.Line(123456, 1.5, 0.25, 0), s.some());
    assertEquals(42, s.full().totalMicros());
  }

  /** No file (v1, no PSI) or lines of another form give nothing rather than an error. */
  @Test
  void parse_nothingOrGarbage_isNull() {
    assertNull(Pressure.parse(""));
    assertNull(Pressure.parse("some avg10=x avg60=0 avg300=0 total=1\nnonsense\n"));
    assertNull(Pressure.parse("some total=1 avg10=0 avg60=0 avg300=0\n"));
  }
}
