using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Pipeline.Ingest;

/// <summary>
/// Validation whose failures name the configuration key (<c>Sqs:Receivers: …</c>), not only the property: the
/// source-generated validators say "Receivers: The field … must be between 1 and 64", which does not tell a user of
/// the chart or of <c>appsettings.json</c> which section it is in.
/// </summary>
/// <typeparam name="TOptions">The options.</typeparam>
/// <param name="section">The configuration section the options are bound from.</param>
/// <param name="inner">The validator whose failures are keyed.</param>
public sealed class KeyedValidator<TOptions>(string section, IValidateOptions<TOptions> inner) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var result = inner.Validate(name, options);
        return result.Failed ? ValidateOptionsResult.Fail(result.Failures.Select(Key)) : result;
    }

    /// <summary>"Member: message" becomes "Section:Member: message"; a message that already names its key is kept.</summary>
    private string Key(string failure)
    {
        var colon = failure.IndexOf(": ", StringComparison.Ordinal);
        if (failure.StartsWith(section + ":", StringComparison.Ordinal) || colon <= 0 || !failure.AsSpan(0, colon).ContainsOnlyMemberPath())
        {
            return failure;
        }

        var member = failure[..colon].Replace('.', ':');
        var message = failure[(colon + 2)..];
        var key = $"{section}:{member}";
        return message.StartsWith(key, StringComparison.Ordinal) ? message : $"{key}: {message}";
    }
}

/// <summary>Registration of <see cref="KeyedValidator{TOptions}"/>.</summary>
public static class KeyedValidation
{
    /// <summary>Adds <typeparamref name="TValidator"/> for <typeparamref name="TOptions"/>, its failures keyed by <paramref name="section"/>.</summary>
    public static IServiceCollection AddKeyedValidator<TOptions, TValidator>(this IServiceCollection services, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>, new()
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>>(new KeyedValidator<TOptions>(section, new TValidator())));
        return services;
    }

    internal static bool ContainsOnlyMemberPath(this ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '.' and not '_' and not '[' and not ']')
            {
                return false;
            }
        }

        return true;
    }
}
