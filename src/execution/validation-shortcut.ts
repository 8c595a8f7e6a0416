import { getMetadataStorage, ValidationTypes, type ValidationArguments, type ValidatorOptions } from 'class-validator';

/** The parts of class-validator's own metadata records read here (its `ValidationMetadata` / `ConstraintMetadata`). */
interface ValidationRecord {
  readonly type: string;
  readonly propertyName: string;
  readonly constraints?: unknown[];
  readonly constraintCls?: Function;
  readonly each?: boolean;
  readonly validateIf?: (object: object, value: unknown) => boolean;
}
interface ConstraintRecord {
  readonly async?: boolean;
  /** Resolved through class-validator's container on every read, as class-validator itself does. */
  readonly instance: { validate(value: unknown, args: ValidationArguments): unknown };
}
interface Storage {
  getTargetValidationMetadatas(
    target: Function,
    schema: string | undefined,
    always: boolean,
    strictGroups: boolean,
    groups?: string[],
  ): ValidationRecord[];
  getTargetValidatorConstraints(target: Function): ConstraintRecord[];
}

interface Check {
  readonly record: ValidationRecord;
  readonly constraints: readonly ConstraintRecord[];
}
interface PropertyPlan {
  readonly name: string;
  readonly conditions: ReadonlyArray<(object: object, value: unknown) => unknown>;
  readonly defined: readonly Check[];
  readonly custom: readonly Check[];
}

const HANDLED = new Set<string>([
  ValidationTypes.CUSTOM_VALIDATION,
  ValidationTypes.IS_DEFINED,
  ValidationTypes.CONDITIONAL_VALIDATION,
  ValidationTypes.WHITELIST,
]);

/**
 * Every field of class-validator's records (0.14.x and 0.15.x carry the same ones, plus `validateIf` in 0.15), and
 * why the plan may ignore or must honour it. Any other field, unless undefined, could be an option a newer release
 * honours: the DTO then gets no plan. ValidationMetadata:
 * - type, propertyName, constraints, constraintCls: what the plan runs;
 * - each, validateIf: honoured in `run` (`each` over a collection: left to class-validator);
 * - target, groups, always: already applied by `getTargetValidationMetadatas` (inheritance, groups);
 * - name, message, context: only shape class-validator's errors;
 * - validationTypeOptions: copied from schemas, read by neither release's executor.
 * ConstraintMetadata: async (refused), target (reached through the `instance` getter), name (error key only).
 */
const VALIDATION_FIELDS: ReadonlySet<PropertyKey> = new Set([
  'type',
  'propertyName',
  'constraints',
  'constraintCls',
  'each',
  'validateIf',
  'target',
  'groups',
  'always',
  'name',
  'message',
  'context',
  'validationTypeOptions',
]);
const CONSTRAINT_FIELDS: ReadonlySet<PropertyKey> = new Set(['async', 'target', 'name', 'instance']);

/**
 * Whether each field of `record` is known or an own data field left undefined. Accessors are not read (they could
 * answer anything), and a prototype (below Object.prototype) may add nothing unknown: both make it not understood.
 */
function understood(record: object, known: ReadonlySet<PropertyKey>): boolean {
  for (const key of Reflect.ownKeys(record)) {
    if (known.has(key)) continue;
    const descriptor = Reflect.getOwnPropertyDescriptor(record, key)!;
    if (!('value' in descriptor) || descriptor.value !== undefined) return false;
  }
  for (let prototype = Reflect.getPrototypeOf(record); prototype && prototype !== Object.prototype; prototype = Reflect.getPrototypeOf(prototype)) {
    for (const key of Reflect.ownKeys(prototype)) if (key !== 'constructor' && !known.has(key)) return false;
  }
  return true;
}

/**
 * class-validator's verdict on the success path, without its per-call overhead.
 *
 * `validate()` looks up a DTO's rules on every call (scanning every class that has rules, for inheritance), builds a
 * `ValidationError` per property and settles through promises even when every rule is synchronous. For DTOs made only
 * of synchronous property rules (`@IsString`, `@Min`, `@IsOptional`, `@ValidateIf`, custom constraints, ...), this
 * plan gathers the same rules once and runs the same constraint objects with the same arguments, in the same order.
 *
 * It only ever answers "class-validator would find nothing wrong" (`true`, after whitelisting exactly as
 * class-validator does) or "not certain" (`false`): on `false` the caller runs class-validator itself, which makes
 * the error messages and settles every case this plan does not handle (nested DTOs, `each` over a collection,
 * asynchronous constraints, a rule that throws, an unknown key). A DTO this plan cannot describe gets none, and so
 * does one whose records carry a field the plan does not know (it fails closed on class-validator changes).
 */
export class ValidationShortcut {
  /** Set when a constraint turned out asynchronous: from then on class-validator alone runs it (once per call). */
  private disabled = false;

  private constructor(
    private readonly dto: Function,
    private readonly properties: readonly PropertyPlan[],
    private readonly allowed: ReadonlySet<string>,
    private readonly options: ValidatorOptions,
  ) {}

  /** The plan for `dto` under `options`, or undefined when class-validator must decide every call. */
  static compile(dto: Function, options: ValidatorOptions): ValidationShortcut | undefined {
    const storage = getMetadataStorage() as unknown as Storage;
    if (typeof storage?.getTargetValidationMetadatas !== 'function' || typeof storage.getTargetValidatorConstraints !== 'function') {
      return undefined;
    }
    // The same selection class-validator makes on every call (own and inherited rules, `always`, groups).
    const { always = false, strictGroups = false, groups } = options;
    const records = storage.getTargetValidationMetadatas(dto, undefined, always, strictGroups, groups);
    // No rules at all: with forbidUnknownValues (on unless false) that is an error; without, nothing to shortcut.
    if (!records.length) return undefined;
    const byName = new Map<string, ValidationRecord[]>();
    for (const record of records) {
      if (!HANDLED.has(record.type) || typeof record.propertyName !== 'string' || !understood(record, VALIDATION_FIELDS)) {
        return undefined;
      }
      const list = byName.get(record.propertyName);
      if (list) list.push(record);
      else byName.set(record.propertyName, [record]);
    }
    const properties: PropertyPlan[] = [];
    for (const [name, list] of byName) {
      const conditions: PropertyPlan['conditions'][number][] = [];
      const defined: Check[] = [];
      const custom: Check[] = [];
      for (const record of list) {
        if (record.type === ValidationTypes.WHITELIST) continue;
        if (record.type === ValidationTypes.CONDITIONAL_VALIDATION) {
          const condition = record.constraints?.[0];
          if (typeof condition !== 'function') return undefined;
          conditions.push(condition as PropertyPlan['conditions'][number]);
          continue;
        }
        if (typeof record.constraintCls !== 'function') return undefined;
        const constraints = storage.getTargetValidatorConstraints(record.constraintCls);
        if (!constraints.length || constraints.some((c) => c.async || !understood(c, CONSTRAINT_FIELDS))) return undefined;
        (record.type === ValidationTypes.IS_DEFINED ? defined : custom).push({ record, constraints });
      }
      properties.push({ name, conditions, defined, custom });
    }
    return new ValidationShortcut(dto, properties, new Set(byName.keys()), options);
  }

  /**
   * True when class-validator's `validate(instance, options)` would resolve to no errors; unknown keys have then been
   * stripped as its whitelisting would. False means only "not certain": ask class-validator.
   */
  passes(instance: object): boolean {
    if (this.disabled || instance.constructor !== this.dto) return false;
    const object = instance as Record<string, unknown>;
    try {
      if (this.options.whitelist && !this.whitelist(object)) return false;
      for (const property of this.properties) {
        const value = object[property.name];
        // Every condition is evaluated, as class-validator does, before any rule of the property.
        let applies = true;
        for (const condition of property.conditions) applies = Boolean(condition(object, value)) && applies;
        if (!applies) continue;
        if (!this.run(property.defined, object, value)) return false;
        if (value === undefined && this.options.skipUndefinedProperties === true) continue;
        if (value === null && this.options.skipNullProperties === true) continue;
        if ((value === null || value === undefined) && this.options.skipMissingProperties === true) continue;
        if (!this.run(property.custom, object, value)) return false;
      }
      return true;
    } catch {
      // A rule that throws: class-validator reports it its own way.
      return false;
    }
  }

  /** Unknown keys: refused (not certain) when forbidden, else deleted, as class-validator does. */
  private whitelist(object: Record<string, unknown>): boolean {
    let strip: string[] | undefined;
    for (const key of Object.keys(object)) {
      if (this.allowed.has(key)) continue;
      if (this.options.forbidNonWhitelisted) return false;
      (strip ??= []).push(key);
    }
    if (strip) for (const key of strip) delete object[key];
    return true;
  }

  private run(checks: readonly Check[], object: Record<string, unknown>, value: unknown): boolean {
    for (const { record, constraints } of checks) {
      if (record.validateIf && !record.validateIf(object, value)) continue;
      // Rules applied to each item of a collection: left to class-validator.
      if (record.each && (Array.isArray(value) || value instanceof Set || value instanceof Map)) return false;
      for (const constraint of constraints) {
        const args: ValidationArguments = {
          targetName: this.dto.name,
          property: record.propertyName,
          object,
          value,
          constraints: record.constraints as unknown[],
        };
        const verdict = constraint.instance.validate(value, args);
        if (verdict === true) continue;
        if (verdict !== null && typeof verdict === 'object' && typeof (verdict as { then?: unknown }).then === 'function') {
          // Asynchronous after all: class-validator runs it again and reports its outcome; this promise must not
          // surface as an unhandled rejection.
          this.disabled = true;
          (verdict as PromiseLike<unknown>).then(undefined, () => undefined);
        }
        return false;
      }
    }
    return true;
  }
}
