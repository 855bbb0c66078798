// Every test must assert something: a test that runs code without checking its result passes whatever the code does.
beforeEach(() => {
  expect.hasAssertions();
});
