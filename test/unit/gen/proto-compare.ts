// Compares the definitions of our proto subset with the official ones.
// Every function returns a list of human-readable differences (empty when the
// definitions agree); each difference names the element, what differs, and
// both values ("ours ... official ...").
import protobuf from "protobufjs";

/** What a conformance check looks at, collected from one root. */
export interface Definitions {
  readonly types: protobuf.Type[];
  readonly enums: protobuf.Enum[];
  readonly services: protobuf.Service[];
}

/** A full name without protobufjs's leading dot: "clarifai.api.Input". */
export function fullNameOf(obj: protobuf.ReflectionObject): string {
  return obj.fullName.replace(/^\./, "");
}

/**
 * Every message, enum and service declared under `packagePrefix` (nested ones
 * included), in declaration order. The well-known google.protobuf types our
 * files import are not ours and are left out by the prefix.
 */
export function collectDefinitions(root: protobuf.Namespace, packagePrefix = "clarifai."): Definitions {
  const types: protobuf.Type[] = [];
  const enums: protobuf.Enum[] = [];
  const services: protobuf.Service[] = [];
  const visit = (ns: protobuf.Namespace): void => {
    for (const child of ns.nestedArray) {
      const mine = fullNameOf(child).startsWith(packagePrefix);
      if (child instanceof protobuf.Type) {
        if (mine) types.push(child);
        visit(child);
      } else if (child instanceof protobuf.Enum) {
        if (mine) enums.push(child);
      } else if (child instanceof protobuf.Service) {
        if (mine) services.push(child);
      } else if (child instanceof protobuf.Namespace) {
        visit(child);
      }
    }
  };
  visit(root);
  return { types, enums, services };
}

function kindOf(obj: protobuf.ReflectionObject | null): string {
  if (obj === null) return "nothing";
  if (obj instanceof protobuf.Type) return "message";
  if (obj instanceof protobuf.Enum) return "enum";
  if (obj instanceof protobuf.Service) return "service";
  if (obj instanceof protobuf.Namespace) return "namespace";
  return obj.constructor.name;
}

/**
 * Looks a full name up segment by segment from the root, without protobufjs's
 * scope fallbacks, so that only the very same full name counts.
 */
function lookupExact(root: protobuf.Root, fullName: string): protobuf.ReflectionObject | null {
  let current: protobuf.ReflectionObject = root;
  for (const segment of fullName.split(".")) {
    if (!(current instanceof protobuf.Namespace)) return null;
    const next: protobuf.ReflectionObject | null = current.get(segment);
    if (next === null) return null;
    current = next;
  }
  return current;
}

function isProto3Optional(field: protobuf.Field): boolean {
  return field.options?.["proto3_optional"] === true;
}

/** The real oneof a field belongs to; proto3 `optional` synthetic oneofs do not count. */
function oneofOf(field: protobuf.Field): string {
  if (field.partOf === null || isProto3Optional(field)) return "(none)";
  return field.partOf.name;
}

function labelOf(field: protobuf.Field): string {
  if (field.map) return "map";
  if (field.repeated) return "repeated";
  if (isProto3Optional(field)) return "optional";
  if (field.required) return "required";
  return "singular";
}

/** The field's value type with message and enum references resolved to full names. */
function valueTypeOf(field: protobuf.Field): string {
  const resolved = field.resolve().resolvedType;
  if (resolved === null) return field.type;
  return `${kindOf(resolved)} ${fullNameOf(resolved)}`;
}

function typeOf(field: protobuf.Field): string {
  if (field instanceof protobuf.MapField) return `map<${field.keyType}, ${valueTypeOf(field)}>`;
  return valueTypeOf(field);
}

/** Wire encoding of repeated scalar/enum fields (packed in proto3 unless turned off). */
function encodingOf(field: protobuf.Field): string {
  if (!field.repeated || field.map) return "-";
  const resolved = field.resolve().resolvedType;
  if (resolved instanceof protobuf.Type) return "-";
  if (resolved === null && (field.type === "string" || field.type === "bytes")) return "-";
  return field.packed ? "packed" : "expanded";
}

/** Compares one field of ours with the official field of the same name. */
export function compareField(where: string, ours: protobuf.Field, official: protobuf.Field): string[] {
  const diffs: string[] = [];
  const check = (what: string, a: string | number, b: string | number): void => {
    if (a !== b) diffs.push(`${where}: ${what} differs: ours ${String(a)}, official ${String(b)}`);
  };
  check("number", ours.id, official.id);
  check("type", typeOf(ours), typeOf(official));
  check("label", labelOf(ours), labelOf(official));
  check("oneof", oneofOf(ours), oneofOf(official));
  check("repeated encoding", encodingOf(ours), encodingOf(official));
  return diffs;
}

/** Compares a message of ours with the official message of the same full name. */
export function compareType(ours: protobuf.Type, officialRoot: protobuf.Root): string[] {
  const name = fullNameOf(ours);
  const found = lookupExact(officialRoot, name);
  if (!(found instanceof protobuf.Type)) {
    return [`message ${name}: not found in the official definitions (found ${kindOf(found)})`];
  }
  const diffs: string[] = [];
  for (const field of ours.fieldsArray) {
    const where = `message ${name}, field ${field.name} = ${field.id}`;
    const official = found.fields[field.name];
    if (official === undefined) {
      const byNumber = found.fieldsById[field.id];
      const hint = byNumber === undefined ? "" : ` (official number ${field.id} is "${byNumber.name}")`;
      diffs.push(`${where}: no field of that name in the official message${hint}`);
      continue;
    }
    diffs.push(...compareField(where, field, official));
  }
  for (const oneof of ours.oneofsArray) {
    if (oneof.fieldsArray.length === 1 && isProto3Optional(oneof.fieldsArray[0]!)) continue;
    if (!found.oneofs?.[oneof.name]) {
      diffs.push(`message ${name}, oneof ${oneof.name}: no oneof of that name in the official message`);
    }
  }
  return diffs;
}

/** Compares an enum of ours with the official enum of the same full name. */
export function compareEnum(ours: protobuf.Enum, officialRoot: protobuf.Root): string[] {
  const name = fullNameOf(ours);
  const found = lookupExact(officialRoot, name);
  if (!(found instanceof protobuf.Enum)) {
    return [`enum ${name}: not found in the official definitions (found ${kindOf(found)})`];
  }
  const diffs: string[] = [];
  for (const [valueName, number] of Object.entries(ours.values)) {
    const official = found.values[valueName];
    if (official === undefined) {
      const sameNumber = Object.entries(found.values)
        .filter(([, n]) => n === number)
        .map(([n]) => n);
      const hint = sameNumber.length === 0 ? "" : ` (official ${number} is ${sameNumber.join(", ")})`;
      diffs.push(`enum ${name}, value ${valueName} = ${number}: no value of that name in the official enum${hint}`);
    } else if (official !== number) {
      diffs.push(`enum ${name}, value ${valueName}: number differs: ours ${number}, official ${official}`);
    }
  }
  return diffs;
}

/** Compares a service of ours with the official service of the same full name. */
export function compareService(ours: protobuf.Service, officialRoot: protobuf.Root): string[] {
  const name = fullNameOf(ours);
  const found = lookupExact(officialRoot, name);
  if (!(found instanceof protobuf.Service)) {
    return [`service ${name}: not found in the official definitions (found ${kindOf(found)})`];
  }
  const diffs: string[] = [];
  for (const method of ours.methodsArray) {
    const where = `service ${name}, rpc ${method.name}`;
    const official = found.methods[method.name];
    if (official === undefined) {
      diffs.push(`${where}: no rpc of that name in the official service`);
      continue;
    }
    method.resolve();
    official.resolve();
    const check = (what: string, a: string, b: string): void => {
      if (a !== b) diffs.push(`${where}: ${what} differs: ours ${a}, official ${b}`);
    };
    const typeName = (t: protobuf.Type | undefined): string => (t === undefined ? "(unresolved)" : fullNameOf(t));
    check("request type", typeName(method.resolvedRequestType ?? undefined), typeName(official.resolvedRequestType ?? undefined));
    check("response type", typeName(method.resolvedResponseType ?? undefined), typeName(official.resolvedResponseType ?? undefined));
    check("request streaming", String(Boolean(method.requestStream)), String(Boolean(official.requestStream)));
    check("response streaming", String(Boolean(method.responseStream)), String(Boolean(official.responseStream)));
  }
  return diffs;
}

/** Every difference between all of our definitions and the official ones. */
export function compareRoots(ours: protobuf.Root, official: protobuf.Root): string[] {
  const defs = collectDefinitions(ours);
  return [
    ...defs.types.flatMap((t) => compareType(t, official)),
    ...defs.enums.flatMap((e) => compareEnum(e, official)),
    ...defs.services.flatMap((s) => compareService(s, official)),
  ];
}
