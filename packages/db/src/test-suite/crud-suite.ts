import type { Result } from "@switchyard/errors";
import { beforeAll, describe, expect, it } from "vitest";
import { currentGeneration, type Db, type DbError, type EntityKind, type Page, type PageRequest } from "../index.ts";
import { expectNoChange, expectOneChange, type FreshDb, failure, unwrap } from "./helpers.ts";

type Write<R> = Promise<Result<{ record: R; generation: bigint }, DbError>>;

/** The repository shape shared by providers, routes, consumers and limits. */
export interface Repo<R, I, P> {
  list(db: Db, req: PageRequest): Promise<Page<R>>;
  get(db: Db, id: string): Promise<R | null>;
  create(db: Db, input: I): Write<R>;
  update(db: Db, id: string, patch: P, opts?: { ifRevision?: number }): Write<R>;
  remove(db: Db, id: string, opts?: { ifRevision?: number }): Promise<Result<{ generation: bigint }, DbError>>;
}

/** How to exercise one resource with the shared CRUD tests. */
export interface Resource<R, I, P> {
  readonly kind: EntityKind;
  readonly repo: Repo<R, I, P>;
  /** Creates whatever the inputs refer to (a provider for routes) and returns a maker of distinct inputs. */
  setup(db: Db): Promise<(i: number) => I>;
  readonly patch: P;
  /** The part of a record the patch must have changed. */
  readonly patched: Partial<R>;
}

type Base = { id: string; revision: number; createdAt: Date; updatedAt: Date };

const MISSING = "00000000-0000-4000-8000-000000000000";

/** Create, read, update, delete, revisions and pagination, the same for every revisioned resource. */
export function crudSuite<R extends Base, I, P>(fresh: FreshDb, res: Resource<R, I, P>): void {
  describe(`${res.kind} CRUD`, () => {
    let db: Db;
    let input: (i: number) => I;
    beforeAll(async () => {
      db = await fresh();
      input = await res.setup(db);
    });

    it("creates, reads back and appends one create change", async () => {
      const before = await currentGeneration(db);
      const { record, generation } = unwrap(await res.repo.create(db, input(1)));
      expect(record.revision).toBe(1);
      expect(record.createdAt).toBeInstanceOf(Date);
      expect(await res.repo.get(db, record.id)).toEqual(record);
      await expectOneChange(db, before, generation, res.kind, record.id, "create");
    });

    it("updates, bumps the revision by one and appends one update change", async () => {
      const created = unwrap(await res.repo.create(db, input(2))).record;
      const before = await currentGeneration(db);
      const { record, generation } = unwrap(await res.repo.update(db, created.id, res.patch));
      expect(record).toMatchObject({ ...res.patched, id: created.id, revision: 2 });
      expect(record.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());
      expect(await res.repo.get(db, created.id)).toEqual(record);
      await expectOneChange(db, before, generation, res.kind, created.id, "update");
      const again = unwrap(await res.repo.update(db, created.id, res.patch, { ifRevision: 2 })).record;
      expect(again.revision).toBe(3);
    });

    it("refuses a stale ifRevision on update and delete, writing nothing", async () => {
      const created = unwrap(await res.repo.create(db, input(3))).record;
      const before = await currentGeneration(db);
      const stale = failure(await res.repo.update(db, created.id, res.patch, { ifRevision: 7 }));
      expect(stale.kind).toBe("revision_mismatch");
      expect(failure(await res.repo.remove(db, created.id, { ifRevision: 2 })).kind).toBe("revision_mismatch");
      expect(await res.repo.get(db, created.id)).toEqual(created);
      await expectNoChange(db, before);
    });

    it("deletes, appends one delete change, then reports not_found", async () => {
      const created = unwrap(await res.repo.create(db, input(4))).record;
      const before = await currentGeneration(db);
      const { generation } = unwrap(await res.repo.remove(db, created.id, { ifRevision: 1 }));
      expect(await res.repo.get(db, created.id)).toBeNull();
      await expectOneChange(db, before, generation, res.kind, created.id, "delete");
      expect(failure(await res.repo.remove(db, created.id)).kind).toBe("not_found");
      expect(failure(await res.repo.update(db, created.id, res.patch)).kind).toBe("not_found");
      await expectNoChange(db, generation);
    });

    it("treats unknown and malformed ids as not found", async () => {
      const before = await currentGeneration(db);
      for (const id of [MISSING, "not-a-uuid"]) {
        expect(await res.repo.get(db, id)).toBeNull();
        expect(failure(await res.repo.update(db, id, res.patch)).kind).toBe("not_found");
        expect(failure(await res.repo.remove(db, id)).kind).toBe("not_found");
      }
      await expectNoChange(db, before);
    });

    it("pages through every record in id order with an opaque cursor", async () => {
      for (let i = 10; i < 17; i++) unwrap(await res.repo.create(db, input(i)));
      const all = (await res.repo.list(db, { limit: 500 })).items;
      expect(all.length).toBeGreaterThan(7);
      const seen: R[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await res.repo.list(db, { limit: 3, ...(cursor !== undefined && { cursor }) });
        expect(page.items.length).toBeLessThanOrEqual(3);
        if (page.nextCursor !== null) expect(page.items).toHaveLength(3);
        seen.push(...page.items);
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor !== undefined);
      expect(pages).toBe(Math.ceil(all.length / 3));
      expect(seen.map((r) => r.id)).toEqual(all.map((r) => r.id));
      expect([...seen.map((r) => r.id)].sort()).toEqual(seen.map((r) => r.id));
      const exact = await res.repo.list(db, { limit: all.length });
      expect(exact.nextCursor).toBeNull();
    });

    it("rejects a bad limit or cursor with a RangeError", async () => {
      await expect(res.repo.list(db, { limit: 0 })).rejects.toThrow(RangeError);
      await expect(res.repo.list(db, { limit: 501 })).rejects.toThrow(RangeError);
      await expect(res.repo.list(db, { limit: 10, cursor: "nope" })).rejects.toThrow(RangeError);
    });
  });
}
