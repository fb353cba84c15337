// Renders cases with Apache Velocity 1.7, configured as API Gateway runs it, for the
// differential test. One case a line on stdin: the template as hex UTF-8, a space, then the
// variables in a small typed encoding written by tests/differential.rs:
//   n null, t / f booleans, i<digits>; integer (Integer when it fits, else Long),
//   d<double>; Double, s<hex>; String, l<count>; items (ArrayList),
//   m<count>; key/value pairs (LinkedHashMap; keys are strings).
// One line out per case: "OK <hex output>" or "ERR <hex message>".
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.util.*;
import org.apache.velocity.VelocityContext;
import org.apache.velocity.app.VelocityEngine;

public class Render {
    static String enc;
    static int pos;

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, "UTF-8");
        String line;
        while ((line = in.readLine()) != null) {
            int sp = line.indexOf(' ');
            String template = unhex(line.substring(0, sp));
            enc = line.substring(sp + 1);
            pos = 0;
            @SuppressWarnings("unchecked")
            Map<String, Object> vars = (Map<String, Object>) value();
            try {
                // A fresh engine per case: inline macros are global to an engine.
                VelocityEngine engine = new VelocityEngine();
                engine.setProperty("runtime.log.logsystem.class", "org.apache.velocity.runtime.log.NullLogChute");
                engine.setProperty("directive.foreach.maxloops", "1000");
                engine.init();
                VelocityContext context = new VelocityContext(new HashMap<String, Object>(vars));
                StringWriter w = new StringWriter();
                engine.evaluate(context, w, "template", template);
                out.println("OK " + hex(w.toString()));
            } catch (Throwable e) {
                out.println("ERR " + hex(e.getClass().getSimpleName() + ": " + e.getMessage()));
            }
        }
    }

    static Object value() {
        char c = enc.charAt(pos++);
        switch (c) {
            case 'n': return null;
            case 't': return Boolean.TRUE;
            case 'f': return Boolean.FALSE;
            case 'i': {
                long l = Long.parseLong(until());
                if (l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) return Integer.valueOf((int) l);
                return Long.valueOf(l);
            }
            case 'd': return Double.valueOf(until());
            case 's': return unhex(until());
            case 'l': {
                int n = Integer.parseInt(until());
                List<Object> list = new ArrayList<Object>();
                for (int i = 0; i < n; i++) list.add(value());
                return list;
            }
            case 'm': {
                int n = Integer.parseInt(until());
                Map<String, Object> map = new LinkedHashMap<String, Object>();
                for (int i = 0; i < n; i++) {
                    String k = (String) value();
                    map.put(k, value());
                }
                return map;
            }
            default: throw new IllegalArgumentException("bad encoding at " + pos);
        }
    }

    static String until() {
        int end = enc.indexOf(';', pos);
        String s = enc.substring(pos, end);
        pos = end + 1;
        return s;
    }

    static String unhex(String h) {
        byte[] b = new byte[h.length() / 2];
        for (int i = 0; i < b.length; i++) b[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        return new String(b, StandardCharsets.UTF_8);
    }

    static String hex(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) sb.append(String.format("%02x", x & 0xff));
        return sb.toString();
    }
}
