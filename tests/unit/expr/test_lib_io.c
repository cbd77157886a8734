/* lib_io through compiled expressions: StringReader (Peek, Read, ReadLine, ReadToEnd, UTF-16
 * units, Close) and StringWriter (Write, WriteLine, formats, ToString, Close). */
#include "expr/lib_io.h"
#include "lib_test_util.h"

TestSuite(lib_io, .init = lib_setup, .fini = lib_teardown);

Test(lib_io, string_reader_reads_units_lines_and_the_rest)
{
    EXPECT("@{ var r = new StringReader(\"ab\"); return r.Peek() + \",\" + r.Read() + \",\" + r.Peek() + \",\" + "
           "r.Read() + \",\" + r.Read() + \",\" + r.Peek(); }",
           "97,97,98,98,-1,-1");
    EXPECT("@{ var r = new StringReader(\"one\\r\\ntwo\\nthree\\rfour\\n\"); var s = \"\"; string line; "
           "while ((line = r.ReadLine()) != null) s += \"[\" + line + \"]\"; return s; }",
           "[one][two][three][four]");
    EXPECT("@{ var r = new StringReader(\"\\n\\nx\"); return r.ReadLine().Length + \"|\" + r.ReadLine().Length + \"|\" + "
           "r.ReadLine() + \"|\" + (r.ReadLine() == null); }",
           "0|0|x|True");
    EXPECT("@{ var r = new StringReader(\"head\\nbody\\nend\"); r.ReadLine(); return r.ReadToEnd() + \"|\" + "
           "r.ReadToEnd().Length + \"|\" + r.Read(); }",
           "body\nend|0|-1");
    EXPECT("@(new StringReader(\"\").ReadToEnd().Length)", "0");
    EXPECT("@(new StringReader(\"\").ReadLine() == null)", "True");
    /* é is one unit; a character outside the BMP is read as its two surrogates, and the rest
     * after the first of them starts with the second */
    EXPECT("@{ var r = new StringReader(\"é😀z\"); return r.Read() + \",\" + r.Read() + \",\" + r.Peek() + \",\" + "
           "r.Read() + \",\" + r.Read(); }",
           "233,55357,56832,56832,122");
    EXPECT("@{ var r = new StringReader(\"😀z\"); r.Read(); var rest = r.ReadToEnd(); return rest.Length + \",\" + "
           "(int)rest[0] + \",\" + rest[1]; }",
           "2,56832,z");
}

Test(lib_io, string_reader_errors)
{
    EXPECT("@{ string s = null; return new StringReader(s); }",
           "!System.ArgumentNullException: Value cannot be null. (Parameter 's')");
    EXPECT("@{ var r = new StringReader(\"x\"); r.Close(); return r.Read(); }",
           "!System.ObjectDisposedException: Cannot read from a closed TextReader.");
    EXPECT("@{ var r = new StringReader(\"x\"); using (r) { r.Read(); } return r.Peek(); }",
           "!System.ObjectDisposedException: Cannot read from a closed TextReader.");
    EXPECT("@{ StringReader r = null; return r.ReadToEnd(); }",
           "!System.NullReferenceException: Object reference not set to an instance of an object.");
    EXPECT("@(new StringReader(12))", "error 1:3: no constructor of StringReader takes 1 arguments");
    /* TextReader is the static type a StringReader may be held as */
    EXPECT("@{ TextReader r = new StringReader(\"a\\nb\"); return r.ReadLine(); }", "a");
}

Test(lib_io, string_writer)
{
    EXPECT("@{ var w = new StringWriter(); w.Write(\"a\"); w.Write(1); w.Write(true); w.Write('c'); w.Write(2.5); "
           "string n = null; w.Write(n); w.Write(new char[] { 'x', 'y' }); return w.ToString(); }",
           "a1Truec2.5xy");
    EXPECT("@{ var w = new StringWriter(); w.WriteLine(\"one\"); w.WriteLine(); w.Write(\"{0}-{1}\", 1, \"b\"); "
           "w.WriteLine(\"{0:D3}\", 7); return w.ToString(); }",
           "one\r\n\r\n1-b007\r\n");
    EXPECT("@(new StringWriter().NewLine.Length)", "2");
    /* ToString copies: later writes do not change an earlier result; string concatenation
     * uses ToString */
    EXPECT("@{ var w = new StringWriter(); w.Write(\"a\"); var first = w.ToString(); w.Write(\"b\"); "
           "return first + \"|\" + w + \"|\" + w.ToString().Length; }",
           "a|ab|2");
    EXPECT("@{ var w = new StringWriter(CultureInfo.InvariantCulture); w.Write(1.5); w.Flush(); return w.ToString(); }",
           "1.5");
    /* closed: writing throws, reading the text does not */
    EXPECT("@{ var w = new StringWriter(); using (w) { w.Write(\"kept\"); } return w.ToString(); }", "kept");
    EXPECT("@{ var w = new StringWriter(); w.Dispose(); w.Write(\"x\"); return w.ToString(); }",
           "!System.ObjectDisposedException: Cannot write to a closed TextWriter.");
    EXPECT("@{ TextWriter w = new StringWriter(); w.Write(\"t\"); return w.ToString(); }", "t");
}
