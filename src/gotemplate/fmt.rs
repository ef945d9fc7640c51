//! A port of Go's `fmt` printing over template values: `print`, `printf`,
//! `println`, and how an action prints its value (Go's `print.go`; the
//! number and string texts are in `fmt_format`).
//!
//! Values are printed as Go prints the equivalent Go value: a `[]interface
//! {}` element or `map[string]interface {}` value is an interface (a nil
//! one prints `<nil>`, `interface {}(nil)` under `%#v`), maps print in key
//! order, `[]byte` prints as bytes, and a wrong verb prints
//! `%!d(string=x)` instead of failing.

use super::fmt_format::{Case, Formatter};
use super::strconv;
use super::value::{FloatKind, IntKind, Type, UintKind, Value};

/// Go's `fmt.Sprint`: operands' `%v` forms, with a space between two
/// operands when neither is a string.
pub fn sprint(args: &[Value]) -> Vec<u8> {
    let mut p = Printer::default();
    let mut prev_string = false;
    for (n, arg) in args.iter().enumerate() {
        let is_string = matches!(arg, Value::String(_));
        if n > 0 && !is_string && !prev_string {
            p.fmt.buf.push(b' ');
        }
        p.print_arg(arg, u32::from(b'v'));
        prev_string = is_string;
    }
    p.fmt.buf
}

/// Go's `fmt.Sprintln`: operands' `%v` forms separated by spaces, then a
/// newline.
pub fn sprintln(args: &[Value]) -> Vec<u8> {
    let mut p = Printer::default();
    for (n, arg) in args.iter().enumerate() {
        if n > 0 {
            p.fmt.buf.push(b' ');
        }
        p.print_arg(arg, u32::from(b'v'));
    }
    p.fmt.buf.push(b'\n');
    p.fmt.buf
}

/// Go's `%v` of one value (`fmt.Sprint(v)`): what an action prints for a
/// value and what Sprig's `toString` makes of non-strings.
pub fn format_v(value: &Value) -> Vec<u8> {
    sprint(std::slice::from_ref(value))
}

/// Go's `fmt.Sprintf`, every verb, flag, width and precision, including
/// the `%!verb(type=value)`, `%!d(MISSING)` and `%!(EXTRA ...)` markers.
pub fn sprintf(format: &[u8], args: &[Value]) -> Vec<u8> {
    let mut p = Printer::default();
    p.do_printf(format, args);
    p.fmt.buf
}

/// Go's name for a type, as `%T` and `reflect.Type.String` print it:
/// `int64`, `[]interface {}`, `map[string]interface {}`, a named map type
/// by its name, `[]uint8` for `[]byte`.
pub fn type_name(t: &Type) -> String {
    match t {
        Type::Interface => "interface {}".to_owned(),
        Type::Error => "error".to_owned(),
        Type::Bool => "bool".to_owned(),
        Type::Int(k) => int_kind_name(*k).to_owned(),
        Type::Uint(k) => uint_kind_name(*k).to_owned(),
        Type::Float(FloatKind::F32) => "float32".to_owned(),
        Type::Float(FloatKind::F64) => "float64".to_owned(),
        Type::String => "string".to_owned(),
        Type::Bytes => "[]uint8".to_owned(),
        Type::Slice(elem) => format!("[]{}", type_name(elem)),
        Type::Map(_, Some(name)) => name.to_string(),
        Type::Map(elem, None) => format!("map[string]{}", type_name(elem)),
        Type::Named(name) => name.to_string(),
        Type::Func => "func()".to_owned(),
    }
}

/// `%T` of a value: its dynamic type's name, `<nil>` for the nil
/// interface and for no value, a function's Go signature.
pub fn value_type_name(v: &Value) -> String {
    match v {
        Value::Invalid | Value::Nil(Type::Interface | Type::Error) => "<nil>".to_owned(),
        Value::Func(f) => {
            let mut params: Vec<String> = f.sig.params.iter().map(type_name).collect();
            if let Some(v) = &f.sig.variadic {
                params.push(format!("...{}", type_name(v)));
            }
            let result = type_name(&f.sig.result);
            if f.sig.returns_error {
                format!("func({}) ({result}, error)", params.join(", "))
            } else {
                format!("func({}) {result}", params.join(", "))
            }
        }
        _ => v
            .go_type()
            .map_or_else(|| "<nil>".to_owned(), |t| type_name(&t)),
    }
}

fn int_kind_name(k: IntKind) -> &'static str {
    match k {
        IntKind::Int => "int",
        IntKind::Int8 => "int8",
        IntKind::Int16 => "int16",
        IntKind::Int32 => "int32",
        IntKind::Int64 => "int64",
    }
}

fn uint_kind_name(k: UintKind) -> &'static str {
    match k {
        UintKind::Uint => "uint",
        UintKind::Uint8 => "uint8",
        UintKind::Uint16 => "uint16",
        UintKind::Uint32 => "uint32",
        UintKind::Uint64 => "uint64",
        UintKind::Uintptr => "uintptr",
    }
}

const PERCENT_BANG: &[u8] = b"%!";
const NIL_ANGLE: &[u8] = b"<nil>";
const NIL_PAREN: &[u8] = b"(nil)";

/// What `badVerb` prints as the operand: Go's `p.arg` (an operand as
/// passed) or `p.value` (a value reached by reflection), or neither.
#[derive(Clone, Copy)]
enum Operand<'a> {
    None,
    Arg(&'a Value),
    Value(&'a Value),
}

/// Go's `pp`: the printer state of one `Sprint*` call.
#[derive(Default)]
struct Printer {
    fmt: Formatter,
    reordered: bool,
    good_arg_num: bool,
}

fn ch(verb: u32) -> u8 {
    u8::try_from(verb).unwrap_or(0)
}

impl Printer {
    fn write_rune(&mut self, r: u32) {
        strconv::append_rune(&mut self.fmt.buf, r);
    }

    /// Go's `badVerb`: `%!verb(type=value)`.
    fn bad_verb(&mut self, verb: u32, operand: Operand<'_>) {
        self.fmt.buf.extend_from_slice(PERCENT_BANG);
        self.write_rune(verb);
        self.fmt.buf.push(b'(');
        match operand {
            Operand::Arg(v) if !matches!(v, Value::Nil(Type::Interface) | Value::Invalid) => {
                let name = value_type_name(v);
                self.fmt.buf.extend_from_slice(name.as_bytes());
                self.fmt.buf.push(b'=');
                self.print_arg(v, u32::from(b'v'));
            }
            Operand::Value(v) if !matches!(v, Value::Invalid) => {
                let name = value_type_name(v);
                self.fmt.buf.extend_from_slice(name.as_bytes());
                self.fmt.buf.push(b'=');
                self.print_value(v, u32::from(b'v'), 0);
            }
            _ => self.fmt.buf.extend_from_slice(NIL_ANGLE),
        }
        self.fmt.buf.push(b')');
    }

    fn fmt_bool(&mut self, v: bool, verb: u32, operand: Operand<'_>) {
        match ch(verb) {
            b't' | b'v' => self.fmt.fmt_boolean(v),
            _ => self.bad_verb(verb, operand),
        }
    }

    /// Go's `fmt0x64`: hex with or without the `0x` prefix.
    fn fmt_0x64(&mut self, v: u64, leading0x: bool) {
        let sharp = self.fmt.f.sharp;
        self.fmt.f.sharp = leading0x;
        self.fmt
            .fmt_integer(v, 16, false, u32::from(b'v'), Case::Lower);
        self.fmt.f.sharp = sharp;
    }

    /// Go's `pp.fmtInteger`.
    fn fmt_integer(&mut self, v: u64, signed: bool, verb: u32, operand: Operand<'_>) {
        match ch(verb) {
            b'v' => {
                if self.fmt.f.sharp_v && !signed {
                    self.fmt_0x64(v, true);
                } else {
                    self.fmt.fmt_integer(v, 10, signed, verb, Case::Lower);
                }
            }
            b'd' => self.fmt.fmt_integer(v, 10, signed, verb, Case::Lower),
            b'b' => self.fmt.fmt_integer(v, 2, signed, verb, Case::Lower),
            b'o' | b'O' => self.fmt.fmt_integer(v, 8, signed, verb, Case::Lower),
            b'x' => self.fmt.fmt_integer(v, 16, signed, verb, Case::Lower),
            b'X' => self.fmt.fmt_integer(v, 16, signed, verb, Case::Upper),
            b'c' => self.fmt.fmt_c(v),
            b'q' => self.fmt.fmt_qc(v),
            b'U' => self.fmt.fmt_unicode(v),
            _ => self.bad_verb(verb, operand),
        }
    }

    /// Go's `pp.fmtFloat`.
    fn fmt_float(&mut self, v: f64, size: u32, verb: u32, operand: Operand<'_>) {
        match ch(verb) {
            b'v' => self.fmt.fmt_float(v, size, b'g', -1),
            c @ (b'b' | b'g' | b'G' | b'x' | b'X') => self.fmt.fmt_float(v, size, c, -1),
            c @ (b'f' | b'e' | b'E') => self.fmt.fmt_float(v, size, c, 6),
            b'F' => self.fmt.fmt_float(v, size, b'f', 6),
            _ => self.bad_verb(verb, operand),
        }
    }

    /// Go's `pp.fmtString`.
    fn fmt_string(&mut self, v: &[u8], verb: u32, operand: Operand<'_>) {
        match ch(verb) {
            b'v' => {
                if self.fmt.f.sharp_v {
                    self.fmt.fmt_q(v);
                } else {
                    self.fmt.fmt_s(v);
                }
            }
            b's' => self.fmt.fmt_s(v),
            b'x' => self.fmt.fmt_sbx(v, Case::Lower),
            b'X' => self.fmt.fmt_sbx(v, Case::Upper),
            b'q' => self.fmt.fmt_q(v),
            _ => self.bad_verb(verb, operand),
        }
    }

    /// Go's `pp.fmtBytes` for the verbs that treat a `[]byte` as text;
    /// `None` when the verb prints it as a slice of numbers.
    fn fmt_bytes_text(&mut self, v: &[u8], verb: u32) -> bool {
        match ch(verb) {
            b's' => self.fmt.fmt_s(v),
            b'x' => self.fmt.fmt_sbx(v, Case::Lower),
            b'X' => self.fmt.fmt_sbx(v, Case::Upper),
            b'q' => self.fmt.fmt_q(v),
            _ => return false,
        }
        true
    }

    /// A `[]byte` as a slice: `[104 105]`, or `TYPE{0x68, 0x69}` under
    /// `%#v` (`[]byte` for an operand, `[]uint8` when nested).
    fn fmt_bytes_slice(&mut self, v: Option<&[u8]>, verb: u32, type_string: &str) {
        if self.fmt.f.sharp_v {
            self.fmt.buf.extend_from_slice(type_string.as_bytes());
            let Some(v) = v else {
                self.fmt.buf.extend_from_slice(NIL_PAREN);
                return;
            };
            self.fmt.buf.push(b'{');
            for (i, &c) in v.iter().enumerate() {
                if i > 0 {
                    self.fmt.buf.extend_from_slice(b", ");
                }
                self.fmt_0x64(u64::from(c), true);
            }
            self.fmt.buf.push(b'}');
            return;
        }
        self.fmt.buf.push(b'[');
        for (i, &c) in v.unwrap_or_default().iter().enumerate() {
            if i > 0 {
                self.fmt.buf.push(b' ');
            }
            let elem = Value::Uint(u64::from(c), UintKind::Uint8);
            self.fmt_integer(u64::from(c), false, verb, Operand::Value(&elem));
        }
        self.fmt.buf.push(b']');
    }

    /// Go's `fmtPointer` for maps, slices, functions and pointers; `addr`
    /// 0 is nil.
    fn fmt_pointer(&mut self, v: &Value, addr: u64, verb: u32, operand: Operand<'_>) {
        match ch(verb) {
            b'v' => {
                if self.fmt.f.sharp_v {
                    self.fmt.buf.push(b'(');
                    self.fmt
                        .buf
                        .extend_from_slice(value_type_name(v).as_bytes());
                    self.fmt.buf.extend_from_slice(b")(");
                    if addr == 0 {
                        self.fmt.buf.extend_from_slice(b"nil");
                    } else {
                        self.fmt_0x64(addr, true);
                    }
                    self.fmt.buf.push(b')');
                } else if addr == 0 {
                    self.fmt.pad(NIL_ANGLE);
                } else {
                    let sharp = self.fmt.f.sharp;
                    self.fmt_0x64(addr, !sharp);
                }
            }
            b'p' => {
                let sharp = self.fmt.f.sharp;
                self.fmt_0x64(addr, !sharp);
            }
            b'b' | b'o' | b'd' | b'x' | b'X' => self.fmt_integer(addr, false, verb, operand),
            _ => self.bad_verb(verb, operand),
        }
    }

    /// Go's `printArg`: one operand of `Sprint*`.
    fn print_arg(&mut self, arg: &Value, verb: u32) {
        let operand = Operand::Arg(arg);
        if matches!(arg, Value::Nil(Type::Interface | Type::Error)) {
            match ch(verb) {
                b'T' | b'v' => self.fmt.pad(NIL_ANGLE),
                _ => self.bad_verb(verb, operand),
            }
            return;
        }
        match ch(verb) {
            b'T' => {
                let name = value_type_name(arg);
                self.fmt.fmt_s(name.as_bytes());
                return;
            }
            b'p' => {
                match address(arg) {
                    Some(addr) => self.fmt_pointer(arg, addr, verb, operand),
                    None => self.bad_verb(verb, operand),
                }
                return;
            }
            _ => {}
        }
        match arg {
            Value::Bytes(b) => {
                if !self.fmt_bytes_text(b, verb) {
                    if matches!(ch(verb), b'v' | b'd') {
                        self.fmt_bytes_slice(Some(b), verb, "[]byte");
                    } else {
                        self.print_value(arg, verb, 0);
                    }
                }
            }
            Value::Nil(Type::Bytes) => {
                if !self.fmt_bytes_text(b"", verb) {
                    if matches!(ch(verb), b'v' | b'd') {
                        self.fmt_bytes_slice(None, verb, "[]byte");
                    } else {
                        self.print_value(arg, verb, 0);
                    }
                }
            }
            Value::Object(o) if o.struct_fields().is_some() => self.print_value(arg, verb, 0),
            Value::Object(o) => {
                // A host object prints through its `String()` (Go's
                // handleMethods) for the verbs that accept strings.
                if !self.fmt.f.sharp_v && matches!(ch(verb), b'v' | b's' | b'x' | b'X' | b'q') {
                    let text = o.format_v();
                    self.fmt_string(text.as_bytes(), verb, operand);
                } else {
                    self.print_value(arg, verb, 0);
                }
            }
            _ => self.print_value(arg, verb, 0),
        }
    }

    /// Go's `printValue`: a value reached by reflection, `depth` levels
    /// inside the operand.
    fn print_value(&mut self, value: &Value, verb: u32, depth: usize) {
        let operand = Operand::Value(value);
        match value {
            Value::Invalid => {
                if depth == 0 {
                    self.fmt.buf.extend_from_slice(b"<invalid reflect.Value>");
                } else if ch(verb) == b'v' {
                    self.fmt.buf.extend_from_slice(NIL_ANGLE);
                } else {
                    self.bad_verb(verb, Operand::None);
                }
            }
            Value::Bool(b) => self.fmt_bool(*b, verb, operand),
            Value::Int(i, _) => self.fmt_integer(*i as u64, true, verb, operand),
            Value::Uint(u, _) => self.fmt_integer(*u, false, verb, operand),
            Value::Float(f, FloatKind::F32) => self.fmt_float(*f, 32, verb, operand),
            Value::Float(f, FloatKind::F64) => self.fmt_float(*f, 64, verb, operand),
            Value::String(s) => self.fmt_string(s.as_bytes(), verb, operand),
            Value::Bytes(b) => {
                if !self.fmt_bytes_text(b, verb) {
                    self.fmt_bytes_slice(Some(b), verb, "[]uint8");
                }
            }
            Value::List(l) => {
                let items = l.items();
                self.print_slice(value, Some(items), l.elem(), verb, depth);
            }
            Value::Map(m) => {
                let entries = m.entries();
                self.print_map(value, Some(&entries), m.elem(), verb, depth);
            }
            Value::Nil(t) => self.print_nil(value, t, verb, depth),
            Value::Object(o) if o.struct_fields().is_some() => {
                let fields = o.struct_fields().unwrap_or_default();
                self.print_struct(&o.type_name(), &fields, verb, depth);
            }
            Value::Object(o) => {
                if depth > 0
                    && !self.fmt.f.sharp_v
                    && matches!(ch(verb), b'v' | b's' | b'x' | b'X' | b'q')
                {
                    let text = o.format_v();
                    self.fmt_string(text.as_bytes(), verb, operand);
                } else if ch(verb) == b'v' {
                    let text = o.format_v();
                    self.fmt.buf.extend_from_slice(text.as_bytes());
                } else {
                    self.bad_verb(verb, operand);
                }
            }
            Value::Func(f) => {
                let addr = std::rc::Rc::as_ptr(f) as *const u8 as usize as u64;
                self.fmt_pointer(value, addr, verb, operand);
            }
        }
    }

    /// Go's `printValue` of a struct: `{a b}`, `{A:a B:b}` with `%+v`,
    /// `T{A:"a", B:"b"}` with `%#v`.
    fn print_struct(
        &mut self,
        type_name: &str,
        fields: &[(String, Value)],
        verb: u32,
        depth: usize,
    ) {
        if self.fmt.f.sharp_v {
            self.fmt.buf.extend_from_slice(type_name.as_bytes());
        }
        self.fmt.buf.push(b'{');
        for (i, (name, v)) in fields.iter().enumerate() {
            if i > 0 {
                if self.fmt.f.sharp_v {
                    self.fmt.buf.extend_from_slice(b", ");
                } else {
                    self.fmt.buf.push(b' ');
                }
            }
            if self.fmt.f.plus_v || self.fmt.f.sharp_v {
                self.fmt.buf.extend_from_slice(name.as_bytes());
                self.fmt.buf.push(b':');
            }
            self.print_value(v, verb, depth + 1);
        }
        self.fmt.buf.push(b'}');
    }

    /// A typed nil.
    fn print_nil(&mut self, value: &Value, t: &Type, verb: u32, depth: usize) {
        match t {
            Type::Interface | Type::Error => {
                // A nil interface reached inside a value.
                if self.fmt.f.sharp_v {
                    self.fmt.buf.extend_from_slice(type_name(t).as_bytes());
                    self.fmt.buf.extend_from_slice(NIL_PAREN);
                } else if depth == 0 && ch(verb) != b'v' {
                    self.bad_verb(verb, Operand::None);
                } else {
                    self.fmt.buf.extend_from_slice(NIL_ANGLE);
                }
            }
            Type::Bytes => {
                if !self.fmt_bytes_text(b"", verb) {
                    self.fmt_bytes_slice(None, verb, "[]uint8");
                }
            }
            Type::Slice(elem) => self.print_slice(value, None, elem, verb, depth),
            Type::Map(elem, _) => self.print_map(value, None, elem, verb, depth),
            Type::Named(_) | Type::Func => self.fmt_pointer(value, 0, verb, Operand::Value(value)),
            // Nils of non-nillable types do not occur; print the zero value.
            Type::Bool => self.print_value(&Value::Bool(false), verb, depth),
            Type::Int(k) => self.print_value(&Value::Int(0, *k), verb, depth),
            Type::Uint(k) => self.print_value(&Value::Uint(0, *k), verb, depth),
            Type::Float(k) => self.print_value(&Value::Float(0.0, *k), verb, depth),
            Type::String => self.print_value(&Value::string(""), verb, depth),
        }
    }

    /// An element of a slice or map of `elem`: interface elements are
    /// unwrapped (a nil one prints `<nil>`), others printed directly.
    fn print_elem(&mut self, item: &Value, elem: &Type, verb: u32, depth: usize) {
        if *elem == Type::Interface || *elem == Type::Error {
            match item {
                Value::Nil(Type::Interface | Type::Error) | Value::Invalid => {
                    if self.fmt.f.sharp_v {
                        self.fmt.buf.extend_from_slice(type_name(elem).as_bytes());
                        self.fmt.buf.extend_from_slice(NIL_PAREN);
                    } else {
                        self.fmt.buf.extend_from_slice(NIL_ANGLE);
                    }
                }
                _ => self.print_value(item, verb, depth + 2),
            }
        } else {
            self.print_value(item, verb, depth + 1);
        }
    }

    fn print_slice(
        &mut self,
        value: &Value,
        items: Option<&[Value]>,
        elem: &Type,
        verb: u32,
        depth: usize,
    ) {
        if matches!(ch(verb), b's' | b'q' | b'x' | b'X') && *elem == Type::Uint(UintKind::Uint8) {
            let bytes: Vec<u8> = items
                .unwrap_or_default()
                .iter()
                .map(|v| match v {
                    Value::Uint(u, _) => *u as u8,
                    Value::Int(i, _) => *i as u8,
                    _ => 0,
                })
                .collect();
            self.fmt_bytes_text(&bytes, verb);
            return;
        }
        if self.fmt.f.sharp_v {
            self.fmt
                .buf
                .extend_from_slice(value_type_name(value).as_bytes());
            let Some(items) = items else {
                self.fmt.buf.extend_from_slice(NIL_PAREN);
                return;
            };
            self.fmt.buf.push(b'{');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    self.fmt.buf.extend_from_slice(b", ");
                }
                self.print_elem(item, elem, verb, depth);
            }
            self.fmt.buf.push(b'}');
        } else {
            self.fmt.buf.push(b'[');
            for (i, item) in items.unwrap_or_default().iter().enumerate() {
                if i > 0 {
                    self.fmt.buf.push(b' ');
                }
                self.print_elem(item, elem, verb, depth);
            }
            self.fmt.buf.push(b']');
        }
    }

    fn print_map(
        &mut self,
        value: &Value,
        entries: Option<&[(super::value::Str, Value)]>,
        elem: &Type,
        verb: u32,
        depth: usize,
    ) {
        if self.fmt.f.sharp_v {
            self.fmt
                .buf
                .extend_from_slice(value_type_name(value).as_bytes());
            if entries.is_none() {
                self.fmt.buf.extend_from_slice(NIL_PAREN);
                return;
            }
            self.fmt.buf.push(b'{');
        } else {
            self.fmt.buf.extend_from_slice(b"map[");
        }
        for (i, (k, v)) in entries.unwrap_or_default().iter().enumerate() {
            if i > 0 {
                if self.fmt.f.sharp_v {
                    self.fmt.buf.extend_from_slice(b", ");
                } else {
                    self.fmt.buf.push(b' ');
                }
            }
            let key = Value::String(k.clone());
            self.print_value(&key, verb, depth + 1);
            self.fmt.buf.push(b':');
            self.print_elem(v, elem, verb, depth);
        }
        self.fmt
            .buf
            .push(if self.fmt.f.sharp_v { b'}' } else { b']' });
    }

    /// Go's `intFromArg`: a `*` width or precision operand.
    fn int_from_arg(args: &[Value], arg_num: usize) -> (i64, bool, usize) {
        let Some(arg) = args.get(arg_num) else {
            return (0, false, arg_num);
        };
        let (mut num, mut is_int) = match arg {
            Value::Int(i, _) => (*i, true),
            Value::Uint(u, _) => match i64::try_from(*u) {
                Ok(i) => (i, true),
                Err(_) => (0, false),
            },
            _ => (0, false),
        };
        if !(-1_000_000..=1_000_000).contains(&num) {
            num = 0;
            is_int = false;
        }
        (num, is_int, arg_num + 1)
    }

    /// Go's `argNumber`: an explicit `[n]` operand index at `i`.
    fn arg_number(
        &mut self,
        arg_num: usize,
        format: &[u8],
        i: usize,
        num_args: usize,
    ) -> (usize, usize, bool) {
        if format.get(i) != Some(&b'[') {
            return (arg_num, i, false);
        }
        self.reordered = true;
        let (index, wid, ok) = parse_arg_number(&format[i..]);
        if ok && index >= 0 && (index as usize) < num_args {
            return (index as usize, i + wid, true);
        }
        self.good_arg_num = false;
        (arg_num, i + wid, ok)
    }

    /// Go's `doPrintf`.
    fn do_printf(&mut self, format: &[u8], args: &[Value]) {
        let end = format.len();
        let mut arg_num = 0usize;
        let mut after_index;
        self.reordered = false;
        let mut i = 0;
        'format: while i < end {
            self.good_arg_num = true;
            let lasti = i;
            while i < end && format[i] != b'%' {
                i += 1;
            }
            if i > lasti {
                self.fmt.buf.extend_from_slice(&format[lasti..i]);
            }
            if i >= end {
                break;
            }
            i += 1; // skip '%'
            self.fmt.clear_flags();
            // Flags, with a fast path for a simple verb right after them.
            while i < end {
                let c = format[i];
                match c {
                    b'#' => self.fmt.f.sharp = true,
                    b'0' => self.fmt.f.zero = true,
                    b'+' => self.fmt.f.plus = true,
                    b'-' => self.fmt.f.minus = true,
                    b' ' => self.fmt.f.space = true,
                    _ => {
                        if c.is_ascii_lowercase() && arg_num < args.len() {
                            if c == b'v' || c == b'w' {
                                self.move_v_flags();
                            }
                            self.print_arg(&args[arg_num], u32::from(c));
                            arg_num += 1;
                            i += 1;
                            continue 'format;
                        }
                        break;
                    }
                }
                i += 1;
            }

            (arg_num, i, after_index) = self.arg_number(arg_num, format, i, args.len());

            // Width.
            if i < end && format[i] == b'*' {
                i += 1;
                let (w, ok, n) = Self::int_from_arg(args, arg_num);
                (self.fmt.f.wid, self.fmt.f.wid_present, arg_num) = (w, ok, n);
                if !ok {
                    self.fmt.buf.extend_from_slice(b"%!(BADWIDTH)");
                }
                if self.fmt.f.wid < 0 {
                    self.fmt.f.wid = -self.fmt.f.wid;
                    self.fmt.f.minus = true;
                    self.fmt.f.zero = false;
                }
                after_index = false;
            } else {
                let (w, ok, n) = parse_num(format, i, end);
                (self.fmt.f.wid, self.fmt.f.wid_present, i) = (w, ok, n);
                if after_index && ok {
                    self.good_arg_num = false;
                }
            }

            // Precision.
            if i + 1 < end && format[i] == b'.' {
                i += 1;
                if after_index {
                    self.good_arg_num = false;
                }
                (arg_num, i, after_index) = self.arg_number(arg_num, format, i, args.len());
                if i < end && format[i] == b'*' {
                    i += 1;
                    let (p, ok, n) = Self::int_from_arg(args, arg_num);
                    (self.fmt.f.prec, self.fmt.f.prec_present, arg_num) = (p, ok, n);
                    if self.fmt.f.prec < 0 {
                        self.fmt.f.prec = 0;
                        self.fmt.f.prec_present = false;
                    }
                    if !self.fmt.f.prec_present {
                        self.fmt.buf.extend_from_slice(b"%!(BADPREC)");
                    }
                    after_index = false;
                } else {
                    let (p, ok, n) = parse_num(format, i, end);
                    (self.fmt.f.prec, self.fmt.f.prec_present, i) = (p, ok, n);
                    if !ok {
                        self.fmt.f.prec = 0;
                        self.fmt.f.prec_present = true;
                    }
                }
            }

            if !after_index {
                (arg_num, i, after_index) = self.arg_number(arg_num, format, i, args.len());
            }
            let _ = after_index;

            if i >= end {
                self.fmt.buf.extend_from_slice(b"%!(NOVERB)");
                break;
            }

            let (verb, size) = strconv::decode_rune(&format[i..]);
            i += size;

            if verb == u32::from(b'%') {
                // Percent absorbs no operand and ignores width and precision.
                self.fmt.buf.push(b'%');
            } else if !self.good_arg_num {
                self.fmt.buf.extend_from_slice(PERCENT_BANG);
                self.write_rune(verb);
                self.fmt.buf.extend_from_slice(b"(BADINDEX)");
            } else if arg_num >= args.len() {
                self.fmt.buf.extend_from_slice(PERCENT_BANG);
                self.write_rune(verb);
                self.fmt.buf.extend_from_slice(b"(MISSING)");
            } else {
                if verb == u32::from(b'v') || verb == u32::from(b'w') {
                    self.move_v_flags();
                }
                self.print_arg(&args[arg_num], verb);
                arg_num += 1;
            }
        }

        // Extra operands, unless the format chose operands by index.
        if !self.reordered && arg_num < args.len() {
            self.fmt.clear_flags();
            self.fmt.buf.extend_from_slice(b"%!(EXTRA ");
            for (n, arg) in args[arg_num..].iter().enumerate() {
                if n > 0 {
                    self.fmt.buf.extend_from_slice(b", ");
                }
                if matches!(arg, Value::Nil(Type::Interface | Type::Error)) {
                    self.fmt.buf.extend_from_slice(NIL_ANGLE);
                } else {
                    self.fmt
                        .buf
                        .extend_from_slice(value_type_name(arg).as_bytes());
                    self.fmt.buf.push(b'=');
                    self.print_arg(arg, u32::from(b'v'));
                }
            }
            self.fmt.buf.push(b')');
        }
    }

    /// `%v` takes `#` and `+` as its own `sharpV`/`plusV` flags.
    fn move_v_flags(&mut self) {
        let f = &mut self.fmt.f;
        f.sharp_v = f.sharp;
        f.sharp = false;
        f.plus_v = f.plus;
        f.plus = false;
    }
}

/// An address for `%p` on reference values (0 for nil), `None` for values
/// that have none.
fn address(v: &Value) -> Option<u64> {
    Some(match v {
        Value::List(l) => l.items().as_ptr() as usize as u64,
        Value::Map(m) => m as *const _ as usize as u64,
        Value::Bytes(b) => b.as_ptr() as usize as u64,
        Value::Func(f) => std::rc::Rc::as_ptr(f) as *const u8 as usize as u64,
        Value::Object(o) => std::rc::Rc::as_ptr(o) as *const u8 as usize as u64,
        Value::Nil(Type::Slice(_) | Type::Map(..) | Type::Bytes | Type::Named(_) | Type::Func) => 0,
        _ => return None,
    })
}

/// Go's `parsenum`: a decimal number at `start`, with overflow (above
/// 1e6) treated as no number.
fn parse_num(s: &[u8], start: usize, end: usize) -> (i64, bool, usize) {
    if start >= end {
        return (0, false, end);
    }
    let mut num = 0i64;
    let mut is_num = false;
    let mut i = start;
    while i < end && s[i].is_ascii_digit() {
        if !(-1_000_000..=1_000_000).contains(&num) {
            return (0, false, end);
        }
        num = num * 10 + i64::from(s[i] - b'0');
        is_num = true;
        i += 1;
    }
    (num, is_num, i)
}

/// Go's `parseArgNumber`: `[n]` at the start of `format`; returns the
/// zero-based index, the length consumed and whether it parsed.
fn parse_arg_number(format: &[u8]) -> (i64, usize, bool) {
    if format.len() < 3 {
        return (0, 1, false);
    }
    for i in 1..format.len() {
        if format[i] == b']' {
            let (width, ok, newi) = parse_num(format, 1, i);
            if !ok || newi != i {
                return (0, i + 1, false);
            }
            return (width - 1, i + 1, true);
        }
    }
    (0, 1, false)
}
