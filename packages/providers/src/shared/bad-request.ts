/**
 * A client request that cannot be translated (malformed, or asking for something the target cannot do at
 * all). Thrown deep inside the translators, where threading a Result through every recursive call would
 * bury the translation; `prepare` catches it at the package boundary and returns it as a value.
 */
export class BadRequest extends Error {
  readonly param: string | null;
  constructor(message: string, param: string | null = null) {
    super(message);
    this.name = "BadRequest";
    this.param = param;
  }
}

/** Throws a {@link BadRequest} naming the parameter. */
export function badRequest(message: string, param: string | null = null): never {
  throw new BadRequest(message, param);
}
