// A JSON Schema checker for the subset source/report/report.schema.json uses
// (type, const, enum, properties, required, additionalProperties: false, items,
// minimum, format: date-time), so the report tests check the output against the
// published schema itself rather than a copy of it.

type Schema = {
	readonly type?: string | readonly string[];
	readonly const?: unknown;
	readonly enum?: readonly unknown[];
	readonly properties?: Readonly<Record<string, Schema>>;
	readonly required?: readonly string[];
	readonly additionalProperties?: boolean;
	readonly items?: Schema;
	readonly minimum?: number;
	readonly format?: string;
};

const typeOf = (value: unknown): string => {
	if (value === null) {
		return 'null';
	}

	if (Array.isArray(value)) {
		return 'array';
	}

	if (typeof value === 'number' && Number.isInteger(value)) {
		return 'integer';
	}

	return typeof value;
};

const typeMatches = (value: unknown, type: string): boolean =>
	type === typeOf(value) || (type === 'number' && typeOf(value) === 'integer');

/** Every way `value` breaks `schema`, as "path: problem" lines; empty when it conforms. */
export function schemaErrors(schema: Schema, value: unknown, path = '$'): string[] {
	const errors: string[] = [];
	if (schema.type !== undefined) {
		const types = typeof schema.type === 'string' ? [schema.type] : schema.type;
		if (!types.some(type => typeMatches(value, type))) {
			return [`${path}: expected ${types.join(' or ')}, got ${typeOf(value)}`];
		}
	}

	if ('const' in schema && value !== schema.const) {
		errors.push(`${path}: expected ${JSON.stringify(schema.const)}`);
	}

	if (schema.enum && !schema.enum.includes(value)) {
		errors.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
	}

	if (schema.minimum !== undefined && typeof value === 'number' && value < schema.minimum) {
		errors.push(`${path}: ${value} < ${schema.minimum}`);
	}

	if (schema.format === 'date-time' && typeof value === 'string' && Number.isNaN(Date.parse(value))) {
		errors.push(`${path}: not a date-time`);
	}

	if (typeOf(value) === 'object' && value !== null) {
		const object = value as Record<string, unknown>;
		for (const name of schema.required ?? []) {
			if (!(name in object)) {
				errors.push(`${path}: missing ${name}`);
			}
		}

		for (const [name, item] of Object.entries(object)) {
			const property = schema.properties?.[name];
			if (property) {
				errors.push(...schemaErrors(property, item, `${path}.${name}`));
			} else if (schema.additionalProperties === false) {
				errors.push(`${path}: unexpected property ${name}`);
			}
		}
	}

	if (Array.isArray(value) && schema.items) {
		for (const [index, item] of value.entries()) {
			errors.push(...schemaErrors(schema.items, item, `${path}[${index}]`));
		}
	}

	return errors;
}
