// Runs EPUBCheck over many EPUBs in one Java process.
//
// Starting the JVM costs more than checking a short EPUB, so imprint checks a
// whole build's EPUBs with one `java -cp epubcheck.jar EpubCheckBatch.java ...`
// (a single-file source program, Java 11+). For each file it prints a line
// "@@imprint-epubcheck <path>" followed by EPUBCheck's own JSON report.

import com.adobe.epubcheck.api.EpubCheck;
import com.adobe.epubcheck.reporting.CheckingReport;
import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;

public class EpubCheckBatch {
    public static void main(String[] args) {
        for (String path : args) {
            StringWriter buffer = new StringWriter();
            PrintWriter out = new PrintWriter(buffer);
            CheckingReport report = new CheckingReport(out, path);
            report.initialize();
            try {
                new EpubCheck(new File(path), report).doValidate();
            } finally {
                report.generate();
                out.flush();
            }
            System.out.println("@@imprint-epubcheck " + path);
            System.out.println(buffer);
        }
    }
}
